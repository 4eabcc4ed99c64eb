package dev.nanowal.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KafkaRelayOptionsTest {

    private static KafkaRelayOptions.Builder builder() {
        return KafkaRelayOptions.builder().bootstrapServers("localhost:9092");
    }

    @Test
    void defaults() {
        KafkaRelayOptions options = builder().build();
        assertThat(options.poisonPolicy()).isEqualTo(PoisonPolicy.STOP);
        assertThat(options.maxInFlight()).isEqualTo(1000);
        assertThat(options.maxLag()).isNull();
        assertThat(options.deadLetterKey()).isEqualTo("__relay-dead-letters");
        assertThat(options.cursorName()).isEqualTo("kafka-relay");
    }

    @Test
    void toBuilderStartsFromEverySettingAndLeavesTheOriginalAlone() {
        KafkaRelayOptions original = builder().producerProperty("linger.ms", 5)
            .keys(KeySelector.of(List.of("a")))
            .topicMapping(TopicMapping.TOPIC_PARTITION)
            .headerMapping(HeaderMapping.RECORD_KEY)
            .poisonPolicy(PoisonPolicy.SKIP_AND_LOG)
            .deadLetterKey("dead")
            .checkpointFile(Path.of("checkpoints"))
            .cursorName("relay-2")
            .checkpointInterval(Duration.ofSeconds(2))
            .maxInFlight(7)
            .pollInterval(Duration.ofMillis(3))
            .retryBackoff(Duration.ofMillis(4))
            .maxRetryBackoff(Duration.ofSeconds(5))
            .maxLag(Duration.ofHours(6))
            .build();

        KafkaRelayOptions copy = original.toBuilder().build();
        assertThat(copy).usingRecursiveComparison().isEqualTo(original);

        KafkaRelayOptions changed = original.toBuilder().maxInFlight(8).producerProperty("linger.ms", 9).build();
        assertThat(changed.maxInFlight()).isEqualTo(8);
        assertThat(changed.producerProperties()).containsEntry("linger.ms", 9)
            .containsEntry("bootstrap.servers", "localhost:9092");
        assertThat(original.maxInFlight()).isEqualTo(7);
        assertThat(original.producerProperties()).containsEntry("linger.ms", 5);
    }

    @Test
    void aBadValueNamesTheSettingAndTheRange() {
        assertThatIllegalArgumentException().isThrownBy(() -> builder().maxInFlight(0))
            .withMessage("maxInFlight must be between 1 and 1000000, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> builder().cursorName("kafka relay"))
            .withMessageContaining("'kafka relay'");
        assertThatIllegalArgumentException().isThrownBy(() -> builder().checkpointInterval(Duration.ZERO))
            .withMessageContaining("checkpointInterval must be between PT0.001S and PT1H");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> builder().retryBackoff(Duration.ofSeconds(2)).maxRetryBackoff(Duration.ofSeconds(1))
                .build())
            .withMessageContaining("maxRetryBackoff (PT1S) must be at least retryBackoff (PT2S)");
        assertThatIllegalArgumentException().isThrownBy(() -> KafkaRelayOptions.builder().build())
            .withMessage("bootstrapServers is required");
    }

    @Test
    void producerSettingsThatBreakTheGuaranteesAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> builder().producerProperty("acks", "1"))
            .withMessageContaining("acks must be all");
        assertThatIllegalArgumentException().isThrownBy(() -> builder().producerProperty("enable.idempotence", false))
            .withMessageContaining("enable.idempotence must be true");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> builder().producerProperty("max.in.flight.requests.per.connection", 6))
            .withMessageContaining("at most 5");
        assertThatIllegalArgumentException().isThrownBy(() -> builder().producerProperty("transactional.id", "t"))
            .withMessageContaining("not supported");
        assertThat(builder().producerProperty("acks", "-1").producerProperty("linger.ms", 20).build()
            .producerProperties()).containsEntry("linger.ms", 20);
    }
}
