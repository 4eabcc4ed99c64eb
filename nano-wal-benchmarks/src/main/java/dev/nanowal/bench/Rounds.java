package dev.nanowal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The repetition loop of the harness: warm-up rounds, then measured ones, every subject once per round in turn,
 * each measurement a value of its {@link Row}; a failing subject keeps its error and is skipped from then on.
 */
final class Rounds {

    private final Params params;
    private final List<Row> rows;

    /** @param rows where each workload's rows are added, in order */
    Rounds(Params params, List<Row> rows) {
        this.params = params;
        this.rows = rows;
    }

    @FunctionalInterface
    interface Measurement {
        double run(String subject, Row row) throws Exception;
    }

    /** Warm-up rounds, then repetitions; within each round every subject runs once, in order. */
    void repeat(String workload, String unit, boolean higherIsBetter, String baseline,
            Iterable<String> subjects, Measurement measurement) {
        repeat(workload, unit, higherIsBetter, baseline, subjects, params.warmups(), params.reps(), measurement);
    }

    void repeat(String workload, String unit, boolean higherIsBetter, String baseline,
            Iterable<String> subjects, int warmups, int reps, Measurement measurement) {
        Map<String, Row> mine = new LinkedHashMap<>();
        for (String subject : subjects) {
            Row row = new Row(workload, subject, unit, higherIsBetter, baseline);
            mine.put(subject, row);
            rows.add(row);
        }
        for (int round = 0; round < warmups + reps; round++) {
            boolean warmup = round < warmups;
            for (Row row : mine.values()) {
                if (row.error != null) {
                    continue;
                }
                System.gc();
                try {
                    double value = measurement.run(row.subject, row);
                    if (!warmup) {
                        row.values.add(value);
                        progress(row, round - warmups);
                    }
                } catch (Throwable e) {
                    row.error = describe(e);
                    System.err.println(workload + " / " + row.subject + " failed: " + row.error);
                    e.printStackTrace();
                }
            }
        }
    }

    /** One measurement as it comes, with the load average then: the machine may be shared. */
    static void progress(Row row, int rep) {
        System.out.printf(Locale.ROOT, "  %-45s %-13s rep %d: %s %s (load %s)%n", row.workload, row.subject, rep + 1,
                Report.format(row.values.get(row.values.size() - 1)), row.unit, loadAverage());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() != null && cause.getMessage().startsWith("java.")) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
