package dev.nanowal.spring.boot.autoconfigure.health;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.jayway.jsonpath.JsonPath;
import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WAL directory with one damaged key, over real HTTP: the application starts, the healthy key and the intact
 * entries of the damaged one serve, and health (DAMAGED, the application still UP), the {@code nanowal} endpoint and
 * the {@code nanowal.damaged} meter name the key and the file.
 */
class NanoWalDamageHttpTests {

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void anApplicationWithADamagedKeyStartsAndSaysWhichKeyAndFile() throws Exception {
        List<EntryRef> refs = new ArrayList<>();
        try (Wal wal = Wal.open(this.directory)) {
            for (int i = 0; i < 5; i++) {
                refs.add(wal.appendEntry("orders", null, ("order-" + i).getBytes(StandardCharsets.UTF_8), true));
            }
            wal.appendEntry("users", null, "alice".getBytes(StandardCharsets.UTF_8), true);
        }
        Path segment = segmentOf(refs.get(2));
        flipBit(segment, refs.get(2).offset() + 30);

        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
            .properties("server.port=0", "nanowal.directory=" + this.directory,
                    "management.endpoints.web.exposure.include=health,nanowal",
                    "management.endpoint.health.show-details=always")
            .run()) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            Wal wal = context.getBean(Wal.class);
            assertThat(wal.readEntryAt(refs.get(3))).isEqualTo("order-3".getBytes(StandardCharsets.UTF_8));

            HttpResponse<String> health = get(port, "/actuator/health");
            assertThat(health.statusCode()).as("one damaged key does not take the application down").isEqualTo(200);
            assertThat((String) JsonPath.read(health.body(), "$.status")).isEqualTo("UP");
            assertThat((String) JsonPath.read(health.body(), "$.components.nanowal.status")).isEqualTo("DAMAGED");
            assertThat((List<String>) JsonPath.read(health.body(), "$.components.nanowal.details.damage[*].key"))
                .containsExactly("orders");
            assertThat((List<String>) JsonPath.read(health.body(), "$.components.nanowal.details.damage[*].file"))
                .containsExactly(segment.toString());
            assertThat((List<String>) JsonPath.read(health.body(), "$.components.nanowal.details.problems"))
                .anySatisfy((problem) -> assertThat(problem).contains("key 'orders'").contains(segment.toString()));

            HttpResponse<String> endpoint = get(port, "/actuator/nanowal");
            assertThat(endpoint.statusCode()).isEqualTo(200);
            assertThat((List<String>) JsonPath.read(endpoint.body(), "$.damage[*].key")).containsExactly("orders");
            assertThat((List<Integer>) JsonPath.read(endpoint.body(), "$.damage[*].offset"))
                .containsExactly((int) refs.get(2).offset());
            assertThat((List<Integer>) JsonPath.read(endpoint.body(), "$.damage[*].readableEntries"))
                .containsExactly(4);
            assertThat((List<String>) JsonPath.read(endpoint.body(), "$.keys[*].key")).containsExactly("orders",
                    "users");

            assertThat(context.getBean(MeterRegistry.class).get("nanowal.damaged").gauge().value()).isEqualTo(1);
        }
    }

    private Path segmentOf(EntryRef ref) throws IOException {
        String suffix = String.format("-%020d.log", ref.sequenceNumber());
        try (Stream<Path> files = Files.list(this.directory)) {
            return files.filter((file) -> file.getFileName().toString().endsWith(suffix)).findFirst().orElseThrow();
        }
    }

    private static void flipBit(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 1)).rewind();
            channel.write(one, offset);
        }
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return this.http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {

    }
}
