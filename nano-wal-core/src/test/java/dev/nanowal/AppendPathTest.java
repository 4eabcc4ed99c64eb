package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first append of a process finds its classes loaded: a child JVM logs its class loading ({@code
 * -Xlog:class+load}) while it opens an empty WAL, prints a mark, appends to a new key buffered and durably, and
 * prints another; no nano-wal class may load between the marks (a lambda's hidden class aside), or the first
 * append pays for loading and verifying it.
 */
class AppendPathTest {

    private static final String OPENED = "MARK opened";
    private static final String APPENDED = "MARK appended";

    @TempDir
    Path dir;

    @Test
    void aFirstAppendLoadsNoNanoWalClass() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve("child.out");
        Process child = new ProcessBuilder(java, "-Xlog:class+load:stdout", "-cp", System.getProperty("java.class.path"),
                FirstAppends.class.getName(), dir.resolve("wal").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child JVM ended").isTrue();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(String.join("\n", lines)).isZero();
        int opened = lines.indexOf(OPENED);
        int appended = lines.indexOf(APPENDED);
        assertThat(opened).as("the child printed both marks").isNotNegative();
        assertThat(appended).isGreaterThan(opened);
        List<String> loadedByAppends = new ArrayList<>();
        for (String line : lines.subList(opened + 1, appended)) {
            if (line.contains("[class,load] dev.nanowal.") && !line.contains("$$Lambda")) {
                loadedByAppends.add(line);
            }
        }
        assertThat(lines.subList(0, opened)).as("the log shows the classes the open loaded")
                .anyMatch(line -> line.contains("[class,load] dev.nanowal.internal.engine.Segment "));
        assertThat(loadedByAppends).as("nano-wal classes the first appends loaded: add them to AppendPath").isEmpty();
    }

    /** The child: opens, marks, appends once buffered and once durably to new keys, marks, closes. */
    static final class FirstAppends {
        public static void main(String[] args) throws IOException {
            try (Wal wal = Wal.open(Path.of(args[0]))) {
                System.out.println(OPENED);
                wal.appendEntry("buffered", null, new byte[100], false);
                wal.appendEntry("durable", null, new byte[100], true);
                System.out.println(APPENDED);
            }
        }
    }
}
