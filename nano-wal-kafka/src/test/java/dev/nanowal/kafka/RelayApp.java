package dev.nanowal.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import dev.nanowal.Wal;
import dev.nanowal.WalEntry;
import dev.nanowal.WalRecord;

/**
 * An application in a child JVM, as a test would kill it: appends {@code key#i} entries (durably, paced at a
 * rate, continuing after what the WAL already holds) to its keys while a {@link KafkaRelay} forwards them. Prints
 * {@code STATUS appended=<n> forwarded=<n> behind=<n>} lines, then {@code DONE} once every entry is appended and
 * forwarded. Each line read from standard input is a new limit of entries per key to append; at the end of its
 * input it closes everything and exits.
 *
 * <p>Arguments: WAL directory, bootstrap servers, entries per key, entries per second, keys (comma-separated),
 * first limit of entries per key.
 */
final class RelayApp {

    /** How many entries per key the writer may append so far. */
    private static volatile int limit;

    private RelayApp() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        int perKey = Integer.parseInt(args[2]);
        double perSecond = Double.parseDouble(args[3]);
        List<String> keys = List.of(args[4].split(","));
        limit = Integer.parseInt(args[5]);
        Wal wal = Wal.open(directory);
        KafkaRelay relay = new KafkaRelay(wal, KafkaRelayOptions.builder()
            .bootstrapServers(args[1])
            .keys(KeySelector.of(keys))
            .topicMapping(TopicMapping.TOPIC_PARTITION)
            .headerMapping(HeaderMapping.RECORD_KEY)
            // the default interval: a kill resends what was acknowledged in the last half second
            .checkpointInterval(Duration.ofMillis(500))
            .maxInFlight(500)
            // find a restarted broker quickly
            .producerProperty("reconnect.backoff.max.ms", 500)
            .producerProperty("request.timeout.ms", 3000)
            .producerProperty("max.block.ms", 2000)
            .build());
        relay.start();
        AtomicLong appended = new AtomicLong();
        Thread writer = new Thread(() -> write(wal, keys, perKey, perSecond, appended), "writer");
        writer.start();
        Thread stdin = new Thread(RelayApp::awaitEndOfInput, "stdin");
        stdin.start();
        boolean done = false;
        while (stdin.isAlive()) {
            RelayStatus status = relay.status();
            long behind = status.keys().stream().mapToLong(KeyLag::entriesBehind).sum();
            System.out.println("STATUS appended=" + appended.get() + " forwarded=" + status.forwardedEntries()
                    + " behind=" + behind);
            if (!done && !writer.isAlive() && status.keys().size() == keys.size() && behind == 0) {
                done = true;
                System.out.println("DONE");
            }
            stdin.join(50);
        }
        relay.close();
        wal.close();
    }

    private static void write(Wal wal, List<String> keys, int perKey, double perSecond, AtomicLong appended) {
        Map<String, Integer> next = new LinkedHashMap<>();
        for (String key : keys) {
            try (Stream<WalRecord> records = wal.enumerateEntries(key)) {
                next.put(key, (int) records.count());
            }
        }
        long start = System.nanoTime();
        while (next.values().stream().anyMatch((index) -> index < perKey)) {
            if (next.values().stream().allMatch((index) -> index >= limit)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // until the test allows more
                start = System.nanoTime() - (long) (appended.get() / perSecond * TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            List<WalEntry> round = new ArrayList<>();
            next.replaceAll((key, index) -> {
                if (index < Math.min(perKey, limit)) {
                    round.add(WalEntry.of(key, ("h" + index).getBytes(StandardCharsets.UTF_8),
                            (key + "#" + index).getBytes(StandardCharsets.UTF_8)));
                    return index + 1;
                }
                return index;
            });
            wal.appendBatch(round, true);
            long total = appended.addAndGet(round.size());
            // The pace of a real application, so that kills land while entries are still coming.
            long due = start + (long) (total / perSecond * TimeUnit.SECONDS.toNanos(1));
            LockSupport.parkNanos(due - System.nanoTime());
        }
    }

    private static void awaitEndOfInput() {
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                limit = Integer.parseInt(line.trim());
            }
        } catch (IOException e) {
            // the parent is gone: stop as at the end of input
        }
    }
}
