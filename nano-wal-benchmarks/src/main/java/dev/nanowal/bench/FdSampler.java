package dev.nanowal.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** Samples the process's open file descriptors (Linux /proc/self/fd) on a daemon thread. */
final class FdSampler {
    private final AtomicInteger max = new AtomicInteger();
    private volatile boolean running;
    private Thread thread;

    void start() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                max.accumulateAndGet(count(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fd-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    int stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
            max.accumulateAndGet(count(), Math::max);
        }
        return max.get();
    }

    private static int count() {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
