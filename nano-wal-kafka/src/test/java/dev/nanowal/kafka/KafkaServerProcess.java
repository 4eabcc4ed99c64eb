package dev.nanowal.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import kafka.Kafka;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import static org.awaitility.Awaitility.await;

/**
 * A single-node KRaft broker in a child JVM, from the Kafka jars on the test class path, with its data in a
 * directory of the test: it can be killed (SIGKILL) and started again on the same port with the same data, which
 * the in-JVM embedded broker cannot.
 */
final class KafkaServerProcess implements AutoCloseable {

    private final Path directory;

    private final Path config;

    private final int port;

    private Process process;

    private KafkaServerProcess(Path directory, int port, int controllerPort) throws IOException {
        this.directory = directory;
        this.port = port;
        this.config = directory.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@localhost:" + controllerPort,
                "listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + directory.resolve("logs"),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                // one node: the transaction state log must not wait for replicas that never come
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
    }

    /** Formats a data directory and starts the broker; returns once it answers. */
    static KafkaServerProcess start(Path directory) throws Exception {
        KafkaServerProcess server = new KafkaServerProcess(directory, freePort(), freePort());
        Process format = ChildJvm.start(StorageTool.class,
                List.of("format", "-t", Uuid.randomUuid().toString(), "-c", server.config.toString()),
                server.log(), server.log());
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new AssertionError("Formatting the broker's storage failed; see " + server.log());
        }
        server.startAgain();
        return server;
    }

    /** Starts the broker on its port with the data it had; returns once it answers. */
    void startAgain() {
        process = ChildJvm.start(Kafka.class, List.of(config.toString()), log(), log());
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("The broker exited with " + process.exitValue() + "; see " + log());
            }
            try (Admin admin = admin()) {
                return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 1;
            }
        });
    }

    /** Kills the broker (SIGKILL). */
    int kill() throws InterruptedException {
        return ChildJvm.kill(process);
    }

    String bootstrapServers() {
        return "localhost:" + port;
    }

    void createTopics(NewTopic... topics) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(topics)).all().get(60, TimeUnit.SECONDS);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
    }

    private Path log() {
        return directory.resolve("broker.log");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                ChildJvm.kill(process);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
