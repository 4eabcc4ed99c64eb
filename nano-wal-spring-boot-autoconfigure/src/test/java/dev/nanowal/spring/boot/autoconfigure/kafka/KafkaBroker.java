package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** A real single-node KRaft broker in the test JVM, which a test can stop to cause an outage. */
final class KafkaBroker implements AutoCloseable {

    private final EmbeddedKafkaKraftBroker broker;

    private boolean closed;

    private KafkaBroker(EmbeddedKafkaKraftBroker broker) {
        this.broker = broker;
    }

    /** A running broker with the given topics, one partition each. */
    static KafkaBroker start(String... topics) {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        // One node: the transaction state log must not wait for replicas that never come.
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        for (String topic : topics) {
            broker.addTopics(new NewTopic(topic, 1, (short) 1));
        }
        return new KafkaBroker(broker);
    }

    String bootstrapServers() {
        return this.broker.getBrokersAsString();
    }

    /** How many records partition 0 of the topic holds. */
    long records(String topic) {
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    /** Stops the broker for good: what is sent afterwards waits. */
    @Override
    public void close() {
        if (!this.closed) {
            this.closed = true;
            this.broker.destroy();
        }
    }
}
