package dev.nanowal.spring.boot.autoconfigure.health;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import com.jayway.jsonpath.JsonPath;
import dev.nanowal.MutableClock;
import dev.nanowal.SlowStorage;
import dev.nanowal.Wal;
import dev.nanowal.WalOptions;
import dev.nanowal.spring.boot.autoconfigure.NanoWalProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A slow disk over real HTTP: while the fsync p99 of the window is above {@code nanowal.health.max-fsync-latency},
 * {@code GET /actuator/health} shows the nanowal component DEGRADED with HTTP 200 (the application still works), and
 * UP again once the window (moved by a test clock, not by waiting) holds no slow fsync. The fsyncs are slowed by
 * {@link SlowStorage}, under a {@code Wal} bean of the application's own.
 */
class NanoWalSlowDiskHealthHttpTests {

    private static final SlowStorage storage = new SlowStorage();

    private static final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void degradedWithHttp200WhileFsyncsAreSlowAndUpAgainOnceTheWindowMovedOn() throws Exception {
        try (ConfigurableApplicationContext context = run(
                "management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN")) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            Wal wal = context.getBean(Wal.class);
            HttpResponse<String> healthy = health(port);
            assertThat(healthy.statusCode()).isEqualTo(200);
            assertThat((String) JsonPath.read(healthy.body(), "$.components.nanowal.status")).isEqualTo("UP");

            slowDurableAppends(wal);
            HttpResponse<String> slow = health(port);
            assertThat(slow.statusCode()).isEqualTo(200);
            assertThat((String) JsonPath.read(slow.body(), "$.status")).isEqualTo("DEGRADED");
            assertThat((String) JsonPath.read(slow.body(), "$.components.nanowal.status")).isEqualTo("DEGRADED");
            assertThat(JsonPath.read(slow.body(), "$.components.nanowal.details.problems[0]").toString())
                .contains("nanowal.health.max-fsync-latency");
            assertThat((Double) JsonPath.read(slow.body(), "$.components.nanowal.details.fsyncLatency.p99Millis"))
                .isGreaterThanOrEqualTo(300.0);

            storage.latency(Duration.ZERO);
            clock.advance(Duration.ofSeconds(61));
            HttpResponse<String> recovered = health(port);
            assertThat(recovered.statusCode()).isEqualTo(200);
            assertThat((String) JsonPath.read(recovered.body(), "$.status")).isEqualTo("UP");
            assertThat((String) JsonPath.read(recovered.body(), "$.components.nanowal.status")).isEqualTo("UP");
        }
    }

    @Test
    void withoutTheStatusInTheOrderTheOverallHealthStaysUpAndOnlyTheComponentIsDegraded() throws Exception {
        try (ConfigurableApplicationContext context = run()) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            slowDurableAppends(context.getBean(Wal.class));
            HttpResponse<String> slow = health(port);
            assertThat(slow.statusCode()).isEqualTo(200);
            assertThat((String) JsonPath.read(slow.body(), "$.status")).isEqualTo("UP");
            assertThat((String) JsonPath.read(slow.body(), "$.components.nanowal.status")).isEqualTo("DEGRADED");
            storage.latency(Duration.ZERO);
            clock.advance(Duration.ofSeconds(61));
        }
    }

    private ConfigurableApplicationContext run(String... more) {
        return new SpringApplicationBuilder(App.class)
            .properties("server.port=0", "nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false",
                    "nanowal.health.min-free-disk=0", "nanowal.health.max-fsync-latency=200ms",
                    "management.endpoints.web.exposure.include=health",
                    "management.endpoint.health.show-details=always")
            .properties(more)
            .run();
    }

    private static void slowDurableAppends(Wal wal) {
        storage.latency(Duration.ofMillis(300));
        for (int i = 0; i < 5; i++) {
            wal.appendEntry("k" + i, null, new byte[] { 1 }, true);
        }
    }

    private HttpResponse<String> health(int port) throws IOException, InterruptedException {
        return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

        @Bean(destroyMethod = "close")
        Wal wal(NanoWalProperties properties) {
            return storage.open(properties.directory(),
                    // no background checkpoint: its fsyncs would land in the window at this machine's speed
                    WalOptions.builder().clock(clock).checkpointInterval(Duration.ofHours(1)).build());
        }

    }
}
