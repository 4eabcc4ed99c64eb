package dev.nanowal.kafka;

import dev.nanowal.MutableClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import dev.nanowal.Wal;
import dev.nanowal.WalOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Compaction keeps what the relay has not forwarded, up to the maximum lag, and says so when it cannot. */
class RetentionInterplayTest {

    private static final Duration RETENTION = Duration.ofHours(1);

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void keepsWhatKafkaHasNotTakenAndReportsTheLag() throws IOException {
        try (Wal wal = open(); KafkaRelay relay = new KafkaRelay(wal, unreachable().build())) {
            appendFive(wal, "orders");
            appendFive(wal, "__consumer-positions"); // reserved: never forwarded, so never kept
            relay.start();
            await().until(() -> relay.status().stalledFor().compareTo(Duration.ZERO) > 0);

            clock.advance(RETENTION.multipliedBy(2));
            assertThat(wal.compact().deletedSegments()).extracting((deleted) -> deleted.key())
                .containsExactly("__consumer-positions");
            assertThat(wal.keyInfo("orders")).get().extracting((info) -> info.entries()).isEqualTo(5L);
            await().untilAsserted(() -> {
                KeyLag lag = relay.lag("orders").orElseThrow();
                assertThat(lag.entriesBehind()).isEqualTo(5);
                assertThat(lag.oldestUnforwardedAge()).isGreaterThanOrEqualTo(RETENTION.multipliedBy(2));
                assertThat(lag.checkpoint()).isNull();
            });
            assertThat(relay.status().unforwardedSegmentsDeleted()).isZero();
        }
    }

    @Test
    void aStoppedRelayStillKeepsWhatKafkaHasNotTakenUntilItIsClosed() throws IOException {
        try (Wal wal = open()) {
            KafkaRelay relay = new KafkaRelay(wal, unreachable().build());
            appendFive(wal, "orders");
            relay.start();
            await().until(() -> relay.status().stalledFor().compareTo(Duration.ZERO) > 0);
            relay.stop();
            clock.advance(RETENTION.multipliedBy(2));
            assertThat(wal.compact().segmentsDeleted()).isZero();
            relay.close();
            assertThat(wal.compact().deletedSegments()).extracting((deleted) -> deleted.key())
                .containsExactly("orders");
        }
    }

    @Test
    void deletesUnforwardedEntriesOlderThanTheMaximumLagAndSaysSo() throws IOException {
        try (Wal wal = open();
                KafkaRelay relay = new KafkaRelay(wal, unreachable().maxLag(RETENTION.multipliedBy(3)).build())) {
            appendFive(wal, "orders");
            relay.start();
            clock.advance(RETENTION.multipliedBy(2));
            assertThat(wal.compact().segmentsDeleted()).isZero();
            clock.advance(RETENTION.multipliedBy(2));
            assertThat(wal.compact().deletedSegments()).extracting((deleted) -> deleted.key())
                .containsExactly("orders");
            assertThat(relay.status().unforwardedSegmentsDeleted()).isEqualTo(1);
        }
    }

    @Test
    void letsCompactionDeleteWhatWasForwarded() {
        EmbeddedBroker.createTopics(new NewTopic("retention-forwarded", 1, (short) 1));
        try (Wal wal = open(); KafkaRelay relay = new KafkaRelay(wal, KafkaRelayOptions.builder()
            .bootstrapServers(EmbeddedBroker.bootstrapServers())
            .build())) {
            appendFive(wal, "retention-forwarded");
            relay.start();
            await().until(() -> relay.lag("retention-forwarded").map((lag) -> lag.entriesBehind() == 0).orElse(false));
            clock.advance(RETENTION.multipliedBy(2));
            // The relay notices within a second that everything written before now was forwarded.
            await().until(() -> wal.compact().segmentsDeleted() == 1);
            assertThat(relay.status().unforwardedSegmentsDeleted()).isZero();
        }
    }

    @Test
    void afterARestartTheLagAgeCountsFromWhenTheFirstUnforwardedEntryWasAppended() throws IOException {
        EmbeddedBroker.createTopics(new NewTopic("restart-lag", 1, (short) 1));
        try (Wal wal = open()) {
            try (KafkaRelay relay = new KafkaRelay(wal, KafkaRelayOptions.builder()
                .bootstrapServers(EmbeddedBroker.bootstrapServers())
                .build())) {
                appendFive(wal, "restart-lag");
                relay.start();
                await().until(() -> relay.lag("restart-lag").map((lag) -> lag.entriesBehind() == 0).orElse(false));
            }
            appendFive(wal, "restart-lag");
            clock.advance(RETENTION.multipliedBy(2));
            try (KafkaRelay restarted = new KafkaRelay(wal, unreachable().build())) {
                restarted.start();
                await().untilAsserted(() -> {
                    KeyLag lag = restarted.lag("restart-lag").orElseThrow();
                    assertThat(lag.checkpoint()).isNotNull();
                    assertThat(lag.entriesBehind()).isEqualTo(5);
                    assertThat(lag.oldestUnforwardedAge()).isGreaterThanOrEqualTo(RETENTION.multipliedBy(2));
                });
            }
        }
    }

    private Wal open() {
        return Wal.open(directory, WalOptions.builder().clock(clock).entryRetention(RETENTION).build());
    }

    private static void appendFive(Wal wal, String key) {
        for (int i = 0; i < 5; i++) {
            wal.appendEntry(key, null, (key + "#" + i).getBytes(StandardCharsets.UTF_8), false);
        }
    }

    /** A relay whose broker never answers: sends fail after 100 ms without metadata and are retried. */
    private static KafkaRelayOptions.Builder unreachable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return KafkaRelayOptions.builder()
            .bootstrapServers("localhost:" + port)
            .producerProperty("max.block.ms", 100)
            .retryBackoff(Duration.ofMillis(10))
            .maxRetryBackoff(Duration.ofMillis(50));
    }
}
