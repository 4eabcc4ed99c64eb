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
    void dataAndCommittedConsumerPositionsSurviveARestart() {
        String[] partition = new String[1];
        String[] committed = new String[1];
        runApp((http) -> {
            http.post("/accounts/acc-9/events", Map.of("type", "AccountOpened", "owner", "Eve"));
            http.post("/accounts/acc-9/events", Map.of("type", "MoneyDeposited", "amount", 42));
            for (int i = 0; i < 3; i++) {
                partition[0] = http.post("/topics/orders/messages?key=order-1", Map.of("seq", i))
                    .getBody()
                    .get("partition")
                    .asString();
            }
            JsonNode firstPoll = http.post(consumer(partition[0]) + "/poll?max=1", null).getBody();
            assertThat(firstPoll.get("messages")).hasSize(1);
            committed[0] = firstPoll.get("messages").get(0).get("ref").asString();
            http.put(consumer(partition[0]), Map.of("position", committed[0]));
            // polled, never committed: the next run gets these again
            assertThat(http.post(consumer(partition[0]) + "/poll", null).getBody().get("messages")).hasSize(2);
        });
        runApp((http) -> {
            JsonNode account = http.get("/accounts/acc-9").getBody();
            assertThat(account.get("balance").decimalValue()).isEqualByComparingTo("42");
            assertThat(account.get("version").asLong()).isEqualTo(2);
            assertThat(http.get(consumer(partition[0])).getBody().get("position").asString())
                .isEqualTo(committed[0]);
            JsonNode resumed = http.post(consumer(partition[0]) + "/poll", null).getBody();
            assertThat(resumed.get("messages")).extracting((m) -> m.get("payload").get("seq").asInt())
                .containsExactly(1, 2);
            // the restarted store goes on checking its rules against what it replays
            assertThat(http.post("/accounts/acc-9/events", Map.of("type", "MoneyWithdrawn", "amount", 43))
                .getStatusCode()
                .value()).isEqualTo(422);
        });
    }

    private static String consumer(String partition) {
        return "/topics/orders/partitions/" + partition + "/consumers/shipping";
    }

    private void runApp(Consumer<Http> client) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
            .run("--server.port=0", "--nanowal.directory=" + this.directory)) {
            client.accept(new Http(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class)));
        }
    }
}
