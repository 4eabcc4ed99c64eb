package dev.nanowal.spring.boot.autoconfigure.kafka;

import dev.nanowal.kafka.KafkaRelay;

import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay once the context is refreshed and stops it when the context stops, before beans are destroyed,
 * so the relay writes its checkpoints while the WAL is still open. A stopped relay starts again with the context
 * (as when the test framework pauses an idle context and restarts it).
 *
 * <p>It stops in {@link #PHASE}: after the web server's graceful shutdown (Spring Boot's
 * {@code WebServerGracefulShutdownLifecycle}, phase {@code DEFAULT_PHASE - 1024}) and after the web server has
 * stopped ({@code WebServerStartStopLifecycle}, {@code DEFAULT_PHASE - 2048}), so what requests append while they
 * drain is still sent to Kafka; it starts before the web server takes requests.
 */
final class NanoWalKafkaRelayLifecycle implements SmartLifecycle {

    /** Lower than the phases of Spring Boot's web server lifecycles: stopped after them, started before them. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final KafkaRelay relay;

    private volatile boolean running;

    NanoWalKafkaRelayLifecycle(KafkaRelay relay) {
        this.relay = relay;
    }

    @Override
    public void start() {
        this.relay.start();
        this.running = true;
    }

    @Override
    public void stop() {
        this.running = false;
        this.relay.stop();
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
