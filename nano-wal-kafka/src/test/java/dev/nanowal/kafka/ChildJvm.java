package dev.nanowal.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a class of the test class path in a JVM of its own, which a test can kill for real (SIGKILL). */
final class ChildJvm {

    /** The exit status of a process killed by SIGKILL: 128 + 9. */
    static final int SIGKILL_EXIT = 137;

    private ChildJvm() {
    }

    /**
     * @param stderr where the child's standard error goes (appended)
     * @param stdout where its standard output goes (appended), or {@code null} to read it through the process
     */
    static Process start(Class<?> main, List<String> args, Path stderr, Path stdout) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        if (stdout != null) {
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()));
        }
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + main.getName(), e);
        }
    }

    /** Kills the process with SIGKILL and returns its exit status. */
    static int kill(Process process) throws InterruptedException {
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("The killed process " + process.pid() + " did not exit");
        }
        return process.exitValue();
    }
}
