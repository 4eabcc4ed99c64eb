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
import org.springframework.boot.health.contributor.Status;

/**
 * Health of the Kafka relay, with the reasons under {@code problems}:
 * <ul>
 * <li>UP while it forwards;</li>
 * <li>{@link #OUTAGE} while Kafka has left sends unacknowledged for longer than a threshold, an entry has waited
 * longer than the lag limit, or a key stopped at a refused entry: the entries wait in the WAL, which is what
 * store-and-forward is for, so the application stays healthy (Spring Boot leaves a status it does not know out of
 * the overall status and answers HTTP 200); DOWN instead with {@code nanowal.kafka.health.fail-on-outage=true};</li>
 * <li>DOWN when the relay stopped, or compaction deleted entries before they were forwarded (they never reach
 * Kafka).</li>
 * </ul>
 */
public final class NanoWalKafkaHealthIndicator extends AbstractHealthIndicator {

    /** Kafka is unreachable or slow, or a key stopped: entries wait in the WAL. */
    public static final Status OUTAGE = new Status("OUTAGE",
            "Entries wait in the WAL: Kafka is unreachable or slow, or a key stopped at a refused entry");

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
        List<String> failures = new ArrayList<>();
        List<String> outages = new ArrayList<>();
        if (status.failure() != null) {
            failures.add("the relay stopped: " + status.failure());
        }
        else if (!status.running()) {
            failures.add("the relay is not running");
        }
        if (status.unforwardedSegmentsDeleted() > 0) {
            failures.add(status.unforwardedSegmentsDeleted() + " segments were deleted by compaction before they "
                    + "were forwarded (older than nanowal.kafka.max-lag); their entries never reach Kafka");
        }
        if (status.stalledFor().compareTo(this.thresholds.unreachableFor()) > 0) {
            outages.add("Kafka has acknowledged nothing for " + status.stalledFor().toSeconds() + " s, over the "
                    + "threshold of " + this.thresholds.unreachableFor().toSeconds()
                    + " s (nanowal.kafka.health.unreachable-for)");
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        for (KeyLag lag : status.keys()) {
            keys.put(lag.key(), describe(lag));
            if (lag.stoppedReason() != null) {
                outages.add("key '" + lag.key() + "' stopped: " + lag.stoppedReason());
            }
            if (lag.oldestUnforwardedAge().compareTo(this.thresholds.maxLag()) > 0) {
                outages.add("key '" + lag.key() + "' has waited " + lag.oldestUnforwardedAge().toSeconds()
                        + " s, over the lag limit of " + this.thresholds.maxLag().toSeconds()
                        + " s (nanowal.kafka.health.max-lag)");
            }
        }
        builder.withDetail("forwardedEntries", status.forwardedEntries())
            .withDetail("stalledFor", status.stalledFor().toString())
            .withDetail("poisonEntries", status.poisonEntries())
            .withDetail("keys", keys);
        List<String> problems = new ArrayList<>(failures);
        problems.addAll(outages);
        if (problems.isEmpty()) {
            builder.up();
            return;
        }
        builder.withDetail("problems", problems);
        if (!failures.isEmpty() || this.thresholds.failOnOutage()) {
            builder.down();
        }
        else {
            builder.status(OUTAGE);
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
