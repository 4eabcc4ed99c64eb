package dev.nanowal.kafka;

import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One real single-node KRaft broker inside the test JVM, shared by the test classes that need a broker that stays
 * up (starting one takes seconds on a small machine); stopped when the JVM exits.
 */
final class EmbeddedBroker {

    private static EmbeddedKafkaKraftBroker broker;

    private EmbeddedBroker() {
    }

    static synchronized String bootstrapServers() {
        if (broker == null) {
            EmbeddedKafkaKraftBroker started = new EmbeddedKafkaKraftBroker(1, 1);
            // One node: the transaction state log must not wait for replicas that never come.
            started.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                    "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
            started.afterPropertiesSet();
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroy));
            broker = started;
        }
        return broker.getBrokersAsString();
    }

    static void createTopics(NewTopic... topics) {
        bootstrapServers();
        broker.addTopics(topics);
    }
}
