package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.nanowal.Wal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The relay stops after the web server has drained its requests: what a request appends during the graceful
 * shutdown reaches Kafka before the application has closed.
 */
class NanoWalKafkaGracefulShutdownTests {

    private static final KafkaBroker broker = KafkaBroker.start("late");

    private static final CountDownLatch inRequest = new CountDownLatch(1);

    private static final CountDownLatch shutdownBegun = new CountDownLatch(1);

    @TempDir
    Path directory;

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void anEntryAppendedWhileTheWebServerDrainsIsForwardedBeforeTheContextHasClosed() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
            .properties("server.port=0", "server.shutdown=graceful", "nanowal.directory=" + this.directory,
                    "nanowal.kafka.enabled=true", "nanowal.kafka.bootstrap-servers=" + broker.bootstrapServers())
            .run();
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        WebServerGracefulShutdownLifecycle gracefulShutdown = context
            .getBean(WebServerGracefulShutdownLifecycle.class);
        CompletableFuture<HttpResponse<String>> response = HttpClient.newHttpClient()
            .sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/late"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(inRequest.await(60, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
        // Every lifecycle of a later phase (the compaction scheduler) has stopped by now; the request still runs.
        await().until(() -> !gracefulShutdown.isRunning());
        shutdownBegun.countDown();
        closed.get(60, TimeUnit.SECONDS);

        assertThat(response.get(60, TimeUnit.SECONDS).body()).isEqualTo("appended");
        assertThat(broker.records("late")).isEqualTo(1);
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(LateAppender.class)
    static class App {

    }

    /** Appends only once the graceful shutdown has begun. */
    @RestController
    static class LateAppender {

        private final Wal wal;

        LateAppender(Wal wal) {
            this.wal = wal;
        }

        @PostMapping("/late")
        String append() throws InterruptedException {
            inRequest.countDown();
            if (!shutdownBegun.await(60, TimeUnit.SECONDS)) {
                return "the shutdown never began";
            }
            this.wal.appendEntry("late", null, "during shutdown".getBytes(StandardCharsets.UTF_8), true);
            return "appended";
        }
    }
}
