package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanowal.internal.format.Frames;
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
 * The operator's CLI as shipped: {@code java -jar nano-wal-core-<version>.jar}, run by Failsafe after the jar
 * is packaged (the jar's path comes from the build as {@code nanowal.cli.jar}).
 */
class WalCliJarIT {

    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private static Result java(String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("nanowal.cli.jar");
        assertThat(jar).as("nanowal.cli.jar, set by the build").isNotNull();
        assertThat(Path.of(jar)).exists();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", jar));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void theShippedJarRunsEveryCommand() throws Exception {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(dir)) {
            for (int i = 0; i < 5; i++) {
                refs.add(wal.appendEntry("user:" + (i % 2), ("h" + i).getBytes(StandardCharsets.UTF_8),
                        ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), false));
            }
        }

        Result help = java("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("stats", "dump", "verify", "repair");

        Result stats = java("stats", dir.toString());
        assertThat(stats.exit()).isZero();
        assertThat(stats.out()).contains("keys: 2", "key \"user:0\": segments=1 entries=3");

        Result dump = java("dump", dir.toString(), "user:1");
        assertThat(dump.exit()).isZero();
        assertThat(dump.out().lines()).hasSize(2).first().asString().contains("\"content\":\"{\\\"n\\\":1}\"");

        assertThat(java("verify", dir.toString()).exit()).isZero();
        Path segment = SegmentFiles.segmentOf(dir, refs.get(0));
        SegmentFiles.flipBit(segment, refs.get(0).offset() + Frames.RECORD_HEADER_SIZE, 3);
        Result damaged = java("verify", dir.toString());
        assertThat(damaged.exit()).isEqualTo(1);
        assertThat(damaged.out()).contains("PROBLEM " + segment, "offset " + refs.get(0).offset());

        Result repaired = java("repair", dir.toString());
        assertThat(repaired.exit()).as(repaired.out() + repaired.err()).isZero();
        assertThat(Files.exists(segment.resolveSibling(segment.getFileName() + ".broken"))).isTrue();
        assertThat(java("verify", dir.toString()).exit()).isZero();

        Result missing = java("stats", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }
}
