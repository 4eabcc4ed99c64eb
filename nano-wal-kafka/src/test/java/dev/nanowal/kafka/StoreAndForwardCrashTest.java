package dev.nanowal.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Store-and-forward through real failures: an application (child JVM) appends entries to six keys and relays them
 * to a broker (another child JVM); the broker is killed mid-stream and started again on the same port and data, then
 * the application is killed (SIGKILL) mid-stream and started again. Every entry must reach Kafka, in order per key;
 * duplicates are counted and reported. {@code -Dnanowal.kafka.entries=10000} runs it larger (default 3,000).
 */
class StoreAndForwardCrashTest {

    private static final List<String> KEYS = List.of("orders-0", "orders-1", "orders-2", "orders-3", "payments-0",
            "payments-1");

    @Test
    void everyEntryArrivesInOrderThroughABrokerCrashAndARelayCrash() throws Exception {
        int perKey = Integer.getInteger("nanowal.kafka.entries", 3000) / KEYS.size();
        int total = perKey * KEYS.size();
        double perSecond = total / 10.0;
        Path root = clean(Path.of("target", "store-and-forward"));
        Path wal = root.resolve("wal");
        try (KafkaServerProcess broker = KafkaServerProcess.start(Files.createDirectories(root.resolve("broker")))) {
            broker.createTopics(new NewTopic("orders", 4, (short) 1), new NewTopic("payments", 2, (short) 1));
            // The test lets the app append in steps, so that each kill lands while entries are still coming.
            AppProcess first = new AppProcess(wal, broker.bootstrapServers(), perKey, perSecond, KEYS, perKey * 2 / 5,
                    root.resolve("app-1.log"));
            first.await(Duration.ofSeconds(60), (app) -> app.forwarded() >= total / 5);

            assertThat(broker.kill()).isEqualTo(ChildJvm.SIGKILL_EXIT);
            long appendedAtBrokerKill = first.appended();
            // Appends stay local while Kafka is gone.
            first.await(Duration.ofSeconds(60), (app) -> app.appended() >= total * 3 / 10);
            long forwardedWhileDown = first.forwarded();
            broker.startAgain();
            first.allow(perKey);
            first.await(Duration.ofSeconds(120), (app) -> app.forwarded() >= total / 2);

            assertThat(first.kill()).isEqualTo(ChildJvm.SIGKILL_EXIT);
            String atAppKill = "appended " + first.appended() + ", forwarded " + first.forwarded() + ", behind "
                    + first.behind();
            AppProcess second = new AppProcess(wal, broker.bootstrapServers(), perKey, perSecond, KEYS, perKey,
                    root.resolve("app-2.log"));
            second.await(Duration.ofSeconds(120), AppProcess::done);
            assertThat(second.stop()).isZero();

            TopicContents contents = TopicContents.read(broker.bootstrapServers(), "orders", "payments");
            report(root, total, atAppKill, appendedAtBrokerKill, forwardedWhileDown, contents);
            for (String key : KEYS) {
                assertThat(contents.deduplicated().get(key)).as("what consumers of %s see", key)
                    .containsExactlyElementsOf(KafkaRelayTest.expected(key, 0, perKey));
            }
        }
    }

    /**
     * Duplicates only as at-least-once allows them: a resend from a checkpoint replays earlier entries of the key in
     * order. So in Kafka each record of a key is either the next entry or the start of a replay of an earlier one,
     * never a jump over an entry.
     *
     * @return the replays, as "#first..#last" of the entries sent again
     */
    private static List<String> assertReplaysOnly(String key, List<TopicContents.Forwarded> records) {
        List<String> replays = new ArrayList<>();
        int previous = -1;
        int highest = -1;
        int replayStart = -1;
        for (TopicContents.Forwarded record : records) {
            int index = Integer.parseInt(record.content().substring(key.length() + 1));
            assertThat(index).as("entry after %s#%d in Kafka", key, previous).isLessThanOrEqualTo(previous + 1);
            if (index <= previous) {
                replayStart = index;
            }
            if (replayStart >= 0 && index >= highest) {
                replays.add("#" + replayStart + "..#" + highest);
                replayStart = -1;
            }
            highest = Math.max(highest, index);
            previous = index;
        }
        return replays;
    }

    private static void report(Path root, int total, String atAppKill, long appendedAtBrokerKill,
            long forwardedWhileDown, TopicContents contents) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("entries appended: " + total + " over " + KEYS.size() + " keys");
        lines.add("broker killed (SIGKILL) after " + appendedAtBrokerKill + " appended; relay had forwarded "
                + forwardedWhileDown + " when the broker came back");
        lines.add("relay app killed (SIGKILL) at: " + atAppKill);
        long records = KEYS.stream().mapToLong((key) -> contents.of(key).size()).sum();
        long missing = KEYS.stream().mapToLong((key) -> total / KEYS.size() - contents.deduplicated().get(key).size())
            .sum();
        lines.add("records in Kafka: " + records + ", duplicates: " + contents.duplicates() + ", missing: " + missing);
        for (String key : KEYS) {
            lines.add("  " + key + ": " + contents.of(key).size() + " records, "
                    + (contents.of(key).size() - contents.deduplicated().get(key).size()) + " duplicates, sent again: "
                    + assertReplaysOnly(key, contents.of(key)));
        }
        Files.write(root.resolve("report.txt"), lines);
        lines.forEach(System.out::println);
    }

    private static Path clean(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(directory);
    }
}
