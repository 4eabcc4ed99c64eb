package dev.nanowal.spring.boot.autoconfigure.kafka;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import com.jayway.jsonpath.JsonPath;
import dev.nanowal.Wal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Kafka outage over real HTTP: the broker stops, {@code nanowalKafka} reports OUTAGE, and both
 * {@code /actuator/health} and the readiness group the documentation recommends still answer 200.
 */
class NanoWalKafkaOutageHealthTests {

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aStoppedBrokerIsAnOutageOfTheRelayNotOfTheApplication() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start("outage");
                ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
            .properties("server.port=0", "nanowal.directory=" + this.directory, "nanowal.kafka.enabled=true",
                    "nanowal.kafka.bootstrap-servers=" + broker.bootstrapServers(),
                    "nanowal.kafka.health.unreachable-for=1ms", "nanowal.kafka.producer.max.block.ms=500",
                    "management.endpoint.health.show-details=always",
                    "management.endpoint.health.probes.enabled=true",
                    "management.endpoint.health.group.readiness.include=readinessState,nanowal")
            .run()) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            Wal wal = context.getBean(Wal.class);
            wal.logEntry("outage", null, "before".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.records("outage") == 1);
            assertThat(read(get(port, "/actuator/health").body(), "$.components.nanowalKafka.status")).isEqualTo("UP");

            broker.close();
            wal.logEntry("outage", null, "during".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(60)).until(() -> "OUTAGE"
                .equals(read(get(port, "/actuator/health").body(), "$.components.nanowalKafka.status")));
            HttpResponse<String> health = get(port, "/actuator/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(read(health.body(), "$.status")).isEqualTo("UP");
            assertThat(read(health.body(), "$.components.nanowalKafka.details.problems[0]").toString())
                .contains("nanowal.kafka.health.unreachable-for");
            HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(read(readiness.body(), "$.status")).isEqualTo("UP");
        }
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Object read(String json, String path) {
        return JsonPath.read(json, path);
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

    }
}
