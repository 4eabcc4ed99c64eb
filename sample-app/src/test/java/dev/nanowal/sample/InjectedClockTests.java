package dev.nanowal.sample;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.nanowal.spring.boot.test.AutoConfigureTempWal;
import dev.nanowal.spring.boot.test.SettableClock;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The three services read the application's clock, so a test that sets it sees its time in every response. */
@AutoConfigureTempWal(settableClock = true)
class InjectedClockTests extends OverHttpTests {

    private static final Instant NEW_YEAR = Instant.parse("2031-01-01T00:00:00Z");

    @Autowired
    SettableClock clock;

    @BeforeEach
    void setClock() {
        this.clock.set(NEW_YEAR);
    }

    @Test
    void accountEventsAreRecordedAtTheClocksTime() {
        JsonNode stored = this.http.post("/accounts/clock-1/events", Map.of("type", "AccountOpened", "owner", "Eve"))
            .getBody();
        assertThat(Instant.parse(stored.get("metadata").get("recordedAt").asString())).isEqualTo(NEW_YEAR);
    }

    @Test
    void messagesArePublishedAtTheClocksTime() {
        this.http.post("/topics/clocked/messages?key=k", Map.of("n", 1));
        JsonNode polled = null;
        for (int partition = 0; partition < 4; partition++) {
            JsonNode poll = this.http.post("/topics/clocked/partitions/" + partition + "/consumers/c/poll", null)
                .getBody();
            if (!poll.get("messages").isEmpty()) {
                polled = poll.get("messages").get(0);
            }
        }
        assertThat(polled).isNotNull();
        assertThat(Instant.parse(polled.get("publishedAt").asString())).isEqualTo(NEW_YEAR);
    }

    @Test
    void theAnalyticsWindowEndsAtTheClocksTime() {
        this.http.post("/analytics/events", Map.of("id", "clock-e1", "type", "clocked"));
        this.clock.advance(Duration.ofMinutes(90));
        JsonNode lastHour = this.http.get("/analytics/summary?window=PT1H").getBody();
        assertThat(Instant.parse(lastHour.get("to").asString())).isEqualTo(NEW_YEAR.plus(Duration.ofMinutes(90)));
        assertThat(lastHour.get("byType").has("clocked")).isFalse();
        JsonNode lastTwoHours = this.http.get("/analytics/summary?window=PT2H").getBody();
        assertThat(lastTwoHours.get("byType").has("clocked")).isTrue();
    }
}
