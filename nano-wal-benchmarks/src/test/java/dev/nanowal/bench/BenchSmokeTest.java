package dev.nanowal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every workload at smoke scale (about 1/1000) and checks that the harness measured every subject. It
 * asserts nothing about speed: that is what {@code benchmarks/run.sh} is for.
 */
class BenchSmokeTest {

    @TempDir
    Path root;

    @Test
    void everyWorkloadMeasuresEverySubject() {
        List<Row> rows = new Bench(Params.of("smoke"), root, List.of()).run();
        System.out.println(Report.table(rows));

        assertThat(rows).allSatisfy(row -> {
            assertThat(row.error).as(row.workload + " / " + row.subject).isNull();
            assertThat(row.values).as(row.workload + " / " + row.subject).isNotEmpty()
                    .allSatisfy(v -> assertThat(v).isNotNaN().isNotNegative());
        });
        assertThat(rows.stream().map(r -> r.workload.split(" ")[0]).distinct().collect(Collectors.toList()))
                .containsExactly("W1", "W1B", "W2", "W3", "W4", "W5", "W6", "R1", "R2", "O1", "M1");
        assertThat(subjects(rows, "W1")).containsExactly("nano-wal", "raw", "raw-frame", "chronicle");
        assertThat(subjects(rows, "W1B")).containsExactly("nano-wal", "raw", "raw-frame");
        assertThat(subjects(rows, "W3")).containsExactly("nano-wal", "raw", "raw-prealloc", "chronicle", "tape");
        assertThat(subjects(rows, "W4")).containsOnly("nano-wal", "raw-naive", "raw-group", "chronicle", "tape");
        assertThat(subjects(rows, "W5")).containsOnly("nano-wal", "raw");
        assertThat(subjects(rows, "W6")).containsExactly("nano-wal", "naive", "shared");
        assertThat(rows).filteredOn(r -> r.workload.startsWith("W6 ")).allSatisfy(row ->
                assertThat(row.notes).as(row.subject).anyMatch(n -> n.startsWith("p50 ")));
        assertThat(subjects(rows, "R2")).containsExactly("nano-wal", "raw", "chronicle");
        assertThat(subjects(rows, "O1")).containsExactly("nano-wal", "raw", "nano-wal-durable", "nano-wal-replay");
        assertThat(Report.table(rows)).contains("| W1 1 key, 100 B | raw |");
    }

    private static List<String> subjects(List<Row> rows, String workload) {
        return rows.stream().filter(r -> r.workload.startsWith(workload + " ")).map(r -> r.subject).distinct()
                .collect(Collectors.toList());
    }
}
