package dev.nanowal.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;

/** A {@link RelayApp} in a child JVM, with the figures of its last status line. */
final class AppProcess {

    private static final Pattern STATUS = Pattern.compile("STATUS appended=(\\d+) forwarded=(\\d+) behind=(\\d+)");

    private final Process process;

    private final Path log;

    private volatile long appended;

    private volatile long forwarded;

    private volatile long behind;

    private volatile boolean done;

    AppProcess(Path wal, String bootstrapServers, int perKey, double perSecond, List<String> keys, int limit,
            Path log) {
        this.log = log;
        process = ChildJvm.start(RelayApp.class, List.of(wal.toString(), bootstrapServers, Integer.toString(perKey),
                Double.toString(perSecond), String.join(",", keys), Integer.toString(limit)), log, null);
        Thread reader = new Thread(this::readStatus, "app-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    private void readStatus() {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher status = STATUS.matcher(line);
                if (status.matches()) {
                    appended = Long.parseLong(status.group(1));
                    forwarded = Long.parseLong(status.group(2));
                    behind = Long.parseLong(status.group(3));
                } else if (line.equals("DONE")) {
                    done = true;
                } else {
                    // the app's own log (console appender), kept beside its standard error
                    Files.writeString(log, line + System.lineSeparator(), StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
            }
        } catch (IOException e) {
            // the process died: its last figures stay
        }
    }

    long appended() {
        return appended;
    }

    long forwarded() {
        return forwarded;
    }

    long behind() {
        return behind;
    }

    /** Waits until the app's figures meet the condition; fails at once if the app died. */
    void await(Duration atMost, Predicate<AppProcess> condition) {
        Awaitility.await().atMost(atMost).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("The relay app exited with " + process.exitValue() + "; see its log");
            }
            return condition.test(this);
        });
    }

    boolean done() {
        return done;
    }

    /** Lets the app append up to {@code limit} entries per key. */
    void allow(int limit) throws IOException {
        process.getOutputStream().write((limit + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    int kill() throws InterruptedException {
        return ChildJvm.kill(process);
    }

    /** Closes its input, so it closes the relay and the WAL, and returns its exit status. */
    int stop() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("The relay app did not stop");
        }
        return process.exitValue();
    }
}
