package dev.nanowal.kafka;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TopicMappingTest {

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
            "orders-2, orders, 2",
            "orders-02, orders, 2",
            "a-b-10, a-b, 10",
            "orders, orders, none",
            "orders-, orders-, none",
            "-3, -3, none",
            "orders-x1, orders-x1, none",
            // more digits than an int partition can have: not a partition
            "orders-12345678901, orders-12345678901, none" })
    void topicPartitionSplitsANumericSuffix(String key, String topic, Integer partition) {
        assertThat(TopicMapping.TOPIC_PARTITION.destinationOf(key)).isEqualTo(new Destination(topic, partition));
    }

    @ParameterizedTest
    @CsvSource({ "orders-2", "user:1" })
    void keyAsTopicKeepsTheKey(String key) {
        assertThat(TopicMapping.KEY_AS_TOPIC.destinationOf(key)).isEqualTo(new Destination(key, null));
    }
}
