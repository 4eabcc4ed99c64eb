package dev.nanowal.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.nanowal.kafka.SourcePosition;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The messaging example with a broker configured: published messages reach Kafka, in their partitions. */
// closes the context, and its WAL, before JUnit deletes the @TempDir it writes to (a cached context would keep the
// WAL open on a deleted directory)
@DirtiesContext
class KafkaForwardingTests extends OverHttpTests {

    private static final EmbeddedKafkaKraftBroker broker = startBroker();

    @TempDir
    static Path directory;

    private static EmbeddedKafkaKraftBroker startBroker() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1"));
        broker.afterPropertiesSet();
        // the sample's topics have sample.messaging.partitions (4) partitions
        broker.addTopics(new NewTopic("orders", 4, (short) 1));
        return broker;
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("nanowal.directory", () -> directory.toString());
        registry.add("nanowal.kafka.enabled", () -> "true");
        registry.add("nanowal.kafka.bootstrap-servers", broker::getBrokersAsString);
    }

    @Test
    void publishedMessagesReachTheirKafkaPartitionInOrder() {
        for (int i = 0; i < 3; i++) {
            this.http.post("/topics/orders/messages?key=customer-42", Map.of("item", "book", "qty", i));
        }
        this.http.post("/accounts/acc-1/events", Map.of("type", "AccountOpened", "owner", "Alice"));

        // customer-42 always hashes to partition 2 of 4
        List<ConsumerRecord<String, String>> records = readAll(new TopicPartition("orders", 2), 3);
        assertThat(records).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(records.get(i).value()).contains("\"qty\":" + i);
        }
        assertThat(records).allSatisfy((record) -> {
            assertThat(SourcePosition.of(record.headers())).get()
                .extracting(SourcePosition::key)
                .isEqualTo("orders-2");
            assertThat(new String(record.headers().lastHeader(SourcePosition.ENTRY_HEADER).value(),
                    StandardCharsets.UTF_8)).contains("\"key\":\"customer-42\"");
        });
        JsonNode health = this.http.get("/actuator/health").getBody();
        assertThat(health.get("components").get("nanowalKafka").get("status").asString()).isEqualTo("UP");
        // account-acc-1 is not a messaging key: the key pattern keeps it out of Kafka
        assertThat(health.get("components").get("nanowalKafka").get("details").get("keys").propertyNames())
            .containsExactly("orders-2");
    }

    private static List<ConsumerRecord<String, String>> readAll(TopicPartition partition, int count) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
        }
        return records;
    }
}
