package dev.nanowal.spring.boot.autoconfigure.endpoint;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

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

/** {@code GET /actuator/nanowal} over real HTTP: a page of keys by prefix and limit, and how many matched. */
class NanoWalEndpointHttpTests {

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void listsAPageOfTheKeysWithAPrefixAndSaysHowManyMatched() throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
            .properties("server.port=0", "nanowal.directory=" + this.directory,
                    "management.endpoints.web.exposure.include=nanowal")
            .run()) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            Wal wal = context.getBean(Wal.class);
            for (String key : List.of("orders-3", "orders-1", "orders-2", "users-1")) {
                wal.logEntry(key, null, "x".getBytes(StandardCharsets.UTF_8));
            }

            HttpResponse<String> page = get(port, "/actuator/nanowal?prefix=orders-&limit=2");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat((Integer) JsonPath.read(page.body(), "$.matched")).isEqualTo(3);
            assertThat((List<String>) JsonPath.read(page.body(), "$.keys[*].key")).containsExactly("orders-1",
                    "orders-2");

            HttpResponse<String> all = get(port, "/actuator/nanowal");
            assertThat((Integer) JsonPath.read(all.body(), "$.matched")).isEqualTo(4);
            assertThat((List<String>) JsonPath.read(all.body(), "$.keys[*].key")).hasSize(4);

            wal.cursor("billing", "orders-1").commit(wal.lastEntry("orders-1").orElseThrow());
            wal.logEntry("orders-1", null, "y".getBytes(StandardCharsets.UTF_8));
            wal.cursor("audit", "users-1");
            HttpResponse<String> withCursors = get(port, "/actuator/nanowal?prefix=orders-");
            assertThat((List<String>) JsonPath.read(withCursors.body(), "$.cursors[*].name")).containsExactly("billing");
            assertThat((Integer) JsonPath.read(withCursors.body(), "$.cursors[0].entriesBehind")).isEqualTo(1);
            HttpResponse<String> everyCursor = get(port, "/actuator/nanowal");
            assertThat((List<String>) JsonPath.read(everyCursor.body(), "$.cursors[*].name")).containsExactly("audit",
                    "billing");
            assertThat((Object) JsonPath.read(everyCursor.body(), "$.cursors[0].sequenceNumber")).isNull();

            HttpResponse<String> tooMany = get(port, "/actuator/nanowal?limit=0");
            assertThat(tooMany.statusCode()).isEqualTo(400);
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
