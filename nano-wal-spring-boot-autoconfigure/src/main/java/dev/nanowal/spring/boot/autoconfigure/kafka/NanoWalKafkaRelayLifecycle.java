package dev.nanowal.spring.boot.autoconfigure.kafka;

import dev.nanowal.kafka.KafkaRelay;

import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay once the context is refreshed and closes it when the context stops, before beans are destroyed,
 * so the relay writes its checkpoints while the WAL is still open. A closed relay cannot start again, so a
 * context that is stopped and started does not forward until it is refreshed anew.
 */
final class NanoWalKafkaRelayLifecycle implements SmartLifecycle {

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
        this.relay.close();
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }
}
