package dev.nanowal.sample;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Stops the app and starts a new one on the same directory: what was written is still there. */
class RestartTests {

    @TempDir
    Path directory;

    @Test
    void dataAndConsumerPositionsSurviveARestart() {
        String[] partition = new String[1];
        runApp((http) -> {
            http.post("/accounts/acc-9/events", Map.of("type", "AccountOpened", "owner", "Eve"));
            http.post("/accounts/acc-9/events", Map.of("type", "MoneyDeposited", "amount", 42));
            for (int i = 0; i < 3; i++) {
                partition[0] = http.post("/topics/orders/messages?key=order-1", Map.of("seq", i))
                    .getBody()
                    .get("partition")
                    .asString();
            }
            JsonNode firstPoll = http.post(poll(partition[0]) + "?max=1", null).getBody();
            assertThat(firstPoll.get("messages")).hasSize(1);
        });
        runApp((http) -> {
            JsonNode account = http.get("/accounts/acc-9").getBody();
            assertThat(account.get("balance").decimalValue()).isEqualByComparingTo("42");
            assertThat(account.get("version").asLong()).isEqualTo(2);
            JsonNode resumed = http.post(poll(partition[0]), null).getBody();
            assertThat(resumed.get("messages")).extracting((m) -> m.get("payload").get("seq").asInt())
                .containsExactly(1, 2);
        });
    }

    private static String poll(String partition) {
        return "/topics/orders/partitions/" + partition + "/consumers/shipping/poll";
    }

    private void runApp(Consumer<Http> client) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
            .run("--server.port=0", "--nanowal.directory=" + this.directory)) {
            client.accept(new Http(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class)));
        }
    }
}
