package dev.nanowal.kafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalEntry;
import dev.nanowal.WalRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The relay against a real broker that stays up: order, headers, checkpoints and restarts. */
class KafkaRelayTest {

    @TempDir
    Path directory;

    @Test
    void forwardsEveryEntryInOrderWithItsPositionAndResumesAfterItsCheckpoint() {
        EmbeddedBroker.createTopics(new NewTopic("fwd-orders", 2, (short) 1), new NewTopic("fwd-plain", 1, (short) 1));
        List<String> keys = List.of("fwd-orders-0", "fwd-orders-1", "fwd-plain");
        try (Wal wal = Wal.open(directory)) {
            append(wal, keys, 0, 300);
            try (KafkaRelay relay = new KafkaRelay(wal, options().build())) {
                relay.start();
                awaitCaughtUp(relay, keys.size());
                assertThat(relay.status().forwardedEntries()).isEqualTo(900);
            }
            for (String key : keys) {
                // a clean close committed each key's checkpoint to its cursor: the key's last entry
                assertThat(wal.cursor(KafkaRelayOptions.DEFAULT_CURSOR_NAME, key).position())
                    .isEqualTo(wal.lastEntry(key));
            }
            append(wal, keys, 300, 400);
            try (KafkaRelay relay = new KafkaRelay(wal, options().build())) {
                relay.start();
                awaitCaughtUp(relay, keys.size());
                // Resumed after the checkpoint a clean close wrote: only the 300 new entries were sent.
                assertThat(relay.status().forwardedEntries()).isEqualTo(300);
            }
        }
        TopicContents contents = TopicContents.read(EmbeddedBroker.bootstrapServers(), "fwd-orders", "fwd-plain");
        assertThat(contents.duplicates()).isZero();
        for (String key : keys) {
            assertThat(contents.deduplicated().get(key)).containsExactlyElementsOf(expected(key, 0, 400));
            for (TopicContents.Forwarded record : contents.of(key)) {
                String index = record.content().substring(key.length() + 1);
                assertThat(new String(record.recordKey(), StandardCharsets.UTF_8)).isEqualTo("h" + index);
                assertThat(record.partition().topic() + "-" + record.partition().partition())
                    .isEqualTo(key.equals("fwd-plain") ? "fwd-plain-0" : key);
            }
        }
    }

    @Test
    void startsAgainAfterAStopWithANewProducerAndSendsWhatWasAppendedBeforeTheStop() {
        EmbeddedBroker.createTopics(new NewTopic("restartable", 1, (short) 1));
        List<String> keys = List.of("restartable-0");
        List<String> producers = new ArrayList<>();
        try (Wal wal = Wal.open(directory); KafkaRelay relay = new KafkaRelay(wal, options().build())) {
            relay.addListener(new RelayListener() {

                @Override
                public void onProducerStarted(org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer) {
                    producers.add("started " + System.identityHashCode(producer));
                }

                @Override
                public void onProducerClosed(org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer) {
                    producers.add("closed " + System.identityHashCode(producer));
                }

            });
            relay.start();
            append(wal, keys, 0, 100);
            // No wait: the stop itself sends what the key holds and waits for Kafka's acknowledgements.
            relay.stop();
            assertThat(relay.status().running()).isFalse();
            assertThat(relay.status().forwardedEntries()).isEqualTo(100);
            append(wal, keys, 100, 150);
            relay.start();
            awaitCaughtUp(relay, keys.size());
            // Resumed from the checkpoints the stop wrote; the counters go on from where they were.
            assertThat(relay.status().forwardedEntries()).isEqualTo(150);
        }
        assertThat(producers).hasSize(4);
        assertThat(producers.get(1)).isEqualTo(producers.get(0).replace("started", "closed"));
        assertThat(producers.get(3)).isEqualTo(producers.get(2).replace("started", "closed"));
        assertThat(producers.get(2)).isNotEqualTo(producers.get(0));
        TopicContents contents = TopicContents.read(EmbeddedBroker.bootstrapServers(), "restartable");
        assertThat(contents.duplicates()).isZero();
        assertThat(contents.deduplicated().get("restartable-0")).containsExactlyElementsOf(
                expected("restartable-0", 0, 150));
    }

    @Test
    void resumesAfterTheCheckpointsOfTheFileAnEarlierRelayKeptAndDeletesIt() throws Exception {
        EmbeddedBroker.createTopics(new NewTopic("upgraded", 1, (short) 1));
        List<String> keys = List.of("upgraded-0");
        try (Wal wal = Wal.open(directory)) {
            append(wal, keys, 0, 10);
            List<EntryRef> refs;
            try (var records = wal.enumerateEntries("upgraded-0")) {
                refs = records.map(WalRecord::ref).toList();
            }
            Path file = directory.resolve(KafkaRelayOptions.DEFAULT_CHECKPOINT_FILE_NAME);
            CheckpointMigrationTest.writeVersion1(file, Map.of("upgraded-0", refs.get(5)));
            try (KafkaRelay relay = new KafkaRelay(wal, options().build())) {
                assertThat(file).doesNotExist();
                relay.start();
                awaitCaughtUp(relay, keys.size());
                assertThat(relay.status().forwardedEntries()).isEqualTo(4);
            }
        }
        assertThat(TopicContents.read(EmbeddedBroker.bootstrapServers(), "upgraded").of("upgraded-0"))
            .extracting(TopicContents.Forwarded::content)
            .containsExactlyElementsOf(expected("upgraded-0", 6, 10));
    }

    @Test
    void aDamagedCheckpointStopsItsKeyAndNoOther() throws Exception {
        EmbeddedBroker.createTopics(new NewTopic("damaged", 2, (short) 1));
        List<String> keys = List.of("damaged-0", "damaged-1");
        try (Wal wal = Wal.open(directory)) {
            append(wal, keys, 0, 10);
            try (KafkaRelay relay = new KafkaRelay(wal, options().build())) {
                relay.start();
                awaitCaughtUp(relay, keys.size());
            }
        }
        Path cursorFile = directory.resolve("nanowal-cursor-" + KafkaRelayOptions.DEFAULT_CURSOR_NAME + "-"
                + String.format("%016x", EntryRef.hashOf("damaged-1")) + ".pos");
        assertThat(cursorFile).exists();
        byte[] bytes = Files.readAllBytes(cursorFile);
        bytes[bytes.length - 1] ^= 1;
        Files.write(cursorFile, bytes);
        try (Wal wal = Wal.open(directory)) {
            append(wal, keys, 10, 15);
            try (KafkaRelay relay = new KafkaRelay(wal, options().build())) {
                relay.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> relay.lag("damaged-0")
                    .map((lag) -> lag.entriesBehind() == 0)
                    .orElse(false));
                assertThat(relay.status().forwardedEntries()).isEqualTo(5);
                assertThat(relay.lag("damaged-1")).get()
                    .satisfies((lag) -> assertThat(lag.stoppedReason()).contains("checkpoint cannot be read",
                            cursorFile.getFileName().toString()))
                    .satisfies((lag) -> assertThat(lag.entriesBehind()).isEqualTo(15));
            }
        }
    }

    /**
     * An idle relay waits on the WAL's append watch. With the longest poll interval (a minute), an entry appended while
     * it waits is forwarded within the await below only if the append woke it: once the first entry's checkpoint is
     * committed nothing else falls due (no write, no resend, no look for new keys) before the minute is over.
     */
    @Test
    void anIdleRelayIsWokenByAnAppendInsteadOfWaitingForItsPollInterval() {
        EmbeddedBroker.createTopics(new NewTopic("woken", 1, (short) 1));
        List<String> keys = List.of("woken-0");
        try (Wal wal = Wal.open(directory)) {
            append(wal, keys, 0, 1);
            Optional<EntryRef> first = wal.lastEntry("woken-0");
            try (KafkaRelay relay = new KafkaRelay(wal, options().pollInterval(Duration.ofMinutes(1)).build())) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> wal.cursor(KafkaRelayOptions.DEFAULT_CURSOR_NAME,
                        "woken-0").position().equals(first));
                append(wal, keys, 1, 2);
                await().atMost(Duration.ofSeconds(30)).until(() -> relay.status().forwardedEntries() == 2);
            }
        }
        assertThat(TopicContents.read(EmbeddedBroker.bootstrapServers(), "woken").deduplicated().get("woken-0"))
            .containsExactlyElementsOf(expected("woken-0", 0, 2));
    }

    @Test
    void aClosedRelayDoesNotStartAgain() {
        try (Wal wal = Wal.open(directory)) {
            KafkaRelay relay = new KafkaRelay(wal, options().build());
            relay.start();
            relay.close();
            assertThatThrownBy(relay::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    /**
     * When the broker refuses a batch as too large, the idempotent producer splits it; with more than one request
     * in flight, Kafka 4.2.1 can then loop on OUT_OF_ORDER_SEQUENCE_NUMBER forever (seen here). One request in
     * flight (or a max.request.size at most the topic's max.message.bytes) avoids that.
     */
    private static final Map<String, Object> ONE_REQUEST_IN_FLIGHT = Map.of("max.in.flight.requests.per.connection",
            1);

    @Test
    void skipsAndLogsAnEntryTheTopicRefuses() {
        List<Optional<EntryRef>> checkpointAndLast = new ArrayList<>();
        poisonRun("skip", PoisonPolicy.SKIP_AND_LOG, ONE_REQUEST_IN_FLIGHT, (relay) -> {
            assertThat(relay.status().poisonEntries()).isEqualTo(1);
            assertThat(relay.status().keys().get(0).entriesBehind()).isZero();
        }, (wal) -> {
            checkpointAndLast.add(wal.cursor(KafkaRelayOptions.DEFAULT_CURSOR_NAME, "poison-skip-0").position());
            checkpointAndLast.add(wal.lastEntry("poison-skip-0"));
        });
        // past the skipped entry: the checkpoint committed at close is the key's last entry
        assertThat(checkpointAndLast.get(0)).isPresent().isEqualTo(checkpointAndLast.get(1));
        assertThat(TopicContents.read(EmbeddedBroker.bootstrapServers(), "poison-skip").deduplicated()
            .get("poison-skip-0")).containsExactlyElementsOf(withoutTheBigOne("poison-skip-0"));
    }

    @Test
    void putsAnEntryTheTopicRefusesIntoTheDeadLetterKey() {
        List<WalRecord> deadLetters = new ArrayList<>();
        poisonRun("dead", PoisonPolicy.DEAD_LETTER, ONE_REQUEST_IN_FLIGHT, (relay) -> {
        }, (wal) -> {
            try (var records = wal.enumerateEntries(KafkaRelayOptions.DEFAULT_DEAD_LETTER_KEY)) {
                records.forEach(deadLetters::add);
            }
        });
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).content()).hasSize(BIG);
        assertThat(new String(deadLetters.get(0).header(), StandardCharsets.UTF_8))
            .contains("source-key=poison-dead-0", "topic=poison-dead", "RecordTooLargeException");
        assertThat(TopicContents.read(EmbeddedBroker.bootstrapServers(), "poison-dead").deduplicated()
            .get("poison-dead-0")).containsExactlyElementsOf(withoutTheBigOne("poison-dead-0"));
    }

    @Test
    void stopsTheKeyAtAnEntryTheProducerRefusesAndKeepsItsCheckpointBeforeIt() {
        // max.request.size makes the producer refuse the big entry in send(), before any later entry goes out.
        List<EntryRef> refs = new ArrayList<>();
        List<Optional<EntryRef>> checkpoint = new ArrayList<>();
        poisonRun("stop", PoisonPolicy.STOP, Map.of("max.request.size", BIG / 2), (relay) -> {
            KeyLag lag = relay.status().keys().get(0);
            assertThat(lag.stoppedReason()).contains("refused", "RecordTooLargeException", "STOP");
            assertThat(lag.entriesBehind()).isEqualTo(11);
        }, (wal) -> {
            try (var records = wal.enumerateEntries("poison-stop-0")) {
                records.forEach((record) -> refs.add(record.ref()));
            }
            checkpoint.add(wal.cursor(KafkaRelayOptions.DEFAULT_CURSOR_NAME, "poison-stop-0").position());
        });
        assertThat(TopicContents.read(EmbeddedBroker.bootstrapServers(), "poison-stop").of("poison-stop-0"))
            .extracting(TopicContents.Forwarded::content)
            .containsExactlyElementsOf(expected("poison-stop-0", 0, 10));
        // The checkpoint committed at close names the last entry before the refused one.
        assertThat(checkpoint).containsExactly(Optional.of(refs.get(9)));
    }

    private static final int BIG = 8192;

    /**
     * Ten small entries, one too big for the topic, ten small ones, relayed until the big one was dealt with; then
     * {@code after} looks at the WAL.
     */
    private void poisonRun(String name, PoisonPolicy policy, Map<String, Object> producer,
            Consumer<KafkaRelay> check, Consumer<Wal> after) {
        String topic = "poison-" + name;
        EmbeddedBroker.createTopics(new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", "4096")));
        String key = topic + "-0";
        try (Wal wal = Wal.open(directory)) {
            for (String content : withTheBigOne(key)) {
                wal.appendEntry(key, null, content.getBytes(StandardCharsets.UTF_8), false);
            }
            KafkaRelayOptions.Builder options = options().poisonPolicy(policy);
            producer.forEach(options::producerProperty);
            try (KafkaRelay relay = new KafkaRelay(wal, options.build())) {
                relay.start();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> check.accept(relay));
                await().atMost(Duration.ofSeconds(60)).until(() -> policy == PoisonPolicy.STOP
                        || relay.status().keys().get(0).entriesBehind() == 0);
            }
            after.accept(wal);
        }
    }

    private static List<String> withTheBigOne(String key) {
        List<String> contents = new ArrayList<>(expected(key, 0, 10));
        contents.add("x".repeat(BIG));
        contents.addAll(expected(key, 11, 21));
        return contents;
    }

    private static List<String> withoutTheBigOne(String key) {
        List<String> contents = new ArrayList<>(expected(key, 0, 10));
        contents.addAll(expected(key, 11, 21));
        return contents;
    }

    private static KafkaRelayOptions.Builder options() {
        return KafkaRelayOptions.builder()
            .bootstrapServers(EmbeddedBroker.bootstrapServers())
            .topicMapping(TopicMapping.TOPIC_PARTITION)
            .headerMapping(HeaderMapping.RECORD_KEY)
            .checkpointInterval(Duration.ofMillis(50));
    }

    private static void append(Wal wal, List<String> keys, int from, int to) {
        List<WalEntry> entries = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (String key : keys) {
                entries.add(WalEntry.of(key, ("h" + i).getBytes(StandardCharsets.UTF_8),
                        (key + "#" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        wal.appendBatch(entries, false);
    }

    static List<String> expected(String key, int from, int to) {
        return IntStream.range(from, to).mapToObj((i) -> key + "#" + i).toList();
    }

    private static void awaitCaughtUp(KafkaRelay relay, int keys) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            RelayStatus status = relay.status();
            return status.keys().size() == keys && status.keys().stream().allMatch((lag) -> lag.entriesBehind() == 0);
        });
    }
}
