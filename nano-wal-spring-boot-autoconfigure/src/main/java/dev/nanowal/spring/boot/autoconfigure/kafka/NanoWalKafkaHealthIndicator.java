package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nanowal.kafka.KafkaRelay;
import dev.nanowal.kafka.KeyLag;
import dev.nanowal.kafka.RelayStatus;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the Kafka relay: UP while it forwards; DOWN with the reasons when it stopped, Kafka has left sends
 * unacknowledged for longer than a threshold, an entry has waited longer than the lag limit, a key stopped at a
 * poison entry, or compaction deleted entries before they were forwarded.
 */
public final class NanoWalKafkaHealthIndicator extends AbstractHealthIndicator {

    private final KafkaRelay relay;

    private final NanoWalKafkaProperties.Health thresholds;

    public NanoWalKafkaHealthIndicator(KafkaRelay relay, NanoWalKafkaProperties.Health thresholds) {
        super("nano-wal Kafka relay health check failed");
        this.relay = relay;
        this.thresholds = thresholds;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        RelayStatus status = this.relay.status();
        List<String> problems = new ArrayList<>();
        if (status.failure() != null) {
            problems.add("the relay stopped: " + status.failure());
        }
        else if (!status.running()) {
            problems.add("the relay is not running");
        }
        if (status.stalledFor().compareTo(this.thresholds.unreachableFor()) > 0) {
            problems.add("Kafka has acknowledged nothing for " + status.stalledFor().toSeconds() + " s, over the "
                    + "threshold of " + this.thresholds.unreachableFor().toSeconds()
                    + " s (nanowal.kafka.health.unreachable-for)");
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        for (KeyLag lag : status.keys()) {
            keys.put(lag.key(), describe(lag));
            if (lag.stoppedReason() != null) {
                problems.add("key '" + lag.key() + "' stopped: " + lag.stoppedReason());
            }
            if (lag.oldestUnforwardedAge().compareTo(this.thresholds.maxLag()) > 0) {
                problems.add("key '" + lag.key() + "' has waited " + lag.oldestUnforwardedAge().toSeconds()
                        + " s, over the lag limit of " + this.thresholds.maxLag().toSeconds()
                        + " s (nanowal.kafka.health.max-lag)");
            }
        }
        if (status.unforwardedSegmentsDeleted() > 0) {
            problems.add(status.unforwardedSegmentsDeleted() + " segments were deleted by compaction before they "
                    + "were forwarded (older than nanowal.kafka.max-lag); their entries never reach Kafka");
        }
        builder.withDetail("forwardedEntries", status.forwardedEntries())
            .withDetail("stalledFor", status.stalledFor().toString())
            .withDetail("poisonEntries", status.poisonEntries())
            .withDetail("keys", keys);
        if (problems.isEmpty()) {
            builder.up();
        }
        else {
            builder.down().withDetail("problems", problems);
        }
    }

    private static Map<String, Object> describe(KeyLag lag) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("destination", lag.destination() == null ? null : lag.destination().topic()
                + (lag.destination().partition() == null ? "" : "-" + lag.destination().partition()));
        details.put("entriesBehind", lag.entriesBehind());
        details.put("oldestUnforwardedAge", lag.oldestUnforwardedAge().toString());
        return details;
    }
}
