package dev.nanowal.sample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

// closes the context, and its WAL, before JUnit deletes the @TempDir it writes to (a cached context would keep the
// WAL open on a deleted directory)
@DirtiesContext
class SampleApplicationTests extends OverHttpTests {

    @TempDir
    static Path directory;

    @DynamicPropertySource
    static void walDirectory(DynamicPropertyRegistry registry) {
        registry.add("nanowal.directory", () -> directory.toString());
        // A loaded build machine's fsync p99 passes the 100 ms default and would make the health DEGRADED.
        registry.add("nanowal.health.max-fsync-latency", () -> "1h");
    }

    @Test
    void eventSourcingRebuildsTheAccountByReplay() {
        ResponseEntity<JsonNode> opened = this.http.post("/accounts/acc-1/events",
                Map.of("type", "AccountOpened", "owner", "Alice"), "X-Correlation-Id", "signup-7");
        assertThat(opened.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String ref = opened.getBody().get("ref").asString();
        assertThat(opened.getHeaders().getLocation()).hasToString("/accounts/acc-1/events/" + ref);
        this.http.post("/accounts/acc-1/events", Map.of("type", "MoneyDeposited", "amount", 100));
        this.http.post("/accounts/acc-1/events", Map.of("type", "MoneyWithdrawn", "amount", 30),
                "X-Causation-Id", "order-12");

        JsonNode account = this.http.get("/accounts/acc-1").getBody();
        assertThat(account.get("owner").asString()).isEqualTo("Alice");
        assertThat(account.get("balance").decimalValue()).isEqualByComparingTo("70");
        assertThat(account.get("version").asLong()).isEqualTo(3);

        JsonNode event = this.http.get("/accounts/acc-1/events/" + ref).getBody();
        assertThat(event.get("event").get("owner").asString()).isEqualTo("Alice");
        assertThat(event.get("metadata").get("correlationId").asString()).isEqualTo("signup-7");
        JsonNode history = this.http.get("/accounts/acc-1/events").getBody();
        assertThat(history).hasSize(3);
        assertThat(history.get(2).get("metadata").get("causationId").asString()).isEqualTo("order-12");
    }

    @Test
    void eventSourcingRejectsWhatItCannotServe() {
        ResponseEntity<JsonNode> other = this.http.post("/accounts/acc-2/events",
                Map.of("type", "AccountOpened", "owner", "Bob"));
        String refOfAnotherAccount = other.getBody().get("ref").asString();
        assertThat(this.http.get("/accounts/acc-3/events/" + refOfAnotherAccount).getStatusCode())
            .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(this.http.get("/accounts/nobody").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(this.http.get("/accounts/acc-2/events/not-a-ref").getStatusCode())
            .isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(this.http.post("/accounts/acc-2/events", Map.of("type", "MoneyDeposited", "amount", -5))
            .getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void partitionedMessagingConsumersResumeAfterTheirCommittedPosition() {
        List<JsonNode> published = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ResponseEntity<JsonNode> response = this.http.post("/topics/payments/messages?key=customer-42",
                    Map.of("seq", i));
            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
            published.add(response.getBody());
        }
        int partition = published.get(0).get("partition").asInt();
        assertThat(published).allSatisfy((p) -> assertThat(p.get("partition").asInt()).isEqualTo(partition));
        String consumer = "/topics/payments/partitions/" + partition + "/consumers/billing";

        JsonNode first = this.http.post(consumer + "/poll?max=2", null).getBody();
        assertThat(first.get("messages")).extracting((m) -> m.get("payload").get("seq").asInt()).containsExactly(0, 1);
        assertThat(first.get("messages").get(0).get("key").asString()).isEqualTo("customer-42");
        assertThat(first.get("position").isNull()).isTrue();
        // not committed: polled again (at least once)
        assertThat(this.http.post(consumer + "/poll?max=2", null).getBody().get("messages"))
            .extracting((m) -> m.get("ref").asString())
            .containsExactly(published.get(0).get("ref").asString(), published.get(1).get("ref").asString());
        assertThat(this.http.get(consumer).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

        String processed = first.get("messages").get(1).get("ref").asString();
        assertThat(this.http.put(consumer, Map.of("position", processed)).getBody().get("position").asString())
            .isEqualTo(processed);
        JsonNode rest = this.http.post(consumer + "/poll", null).getBody();
        assertThat(rest.get("messages")).extracting((m) -> m.get("payload").get("seq").asInt())
            .containsExactly(2, 3, 4);
        assertThat(rest.get("position").asString()).isEqualTo(processed);
        this.http.put(consumer, Map.of("position", rest.get("messages").get(2).get("ref").asString()));
        assertThat(this.http.post(consumer + "/poll", null).getBody().get("messages")).isEmpty();
        assertThat(this.http.get(consumer).getBody().get("position").asString())
            .isEqualTo(published.get(4).get("ref").asString());

        JsonNode audit = this.http.post("/topics/payments/partitions/" + partition + "/consumers/audit/poll?max=100",
                null).getBody();
        assertThat(audit.get("messages")).hasSize(5);
        assertThat(this.http.post("/topics/payments/partitions/99/consumers/audit/poll", null).getStatusCode())
            .isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void analyticsAggregatesIngestedEventsOnce() {
        ResponseEntity<JsonNode> batch = this.http.post("/analytics/events/batch", List.of(
                Map.of("id", "e1", "type", "page_view", "page", "/home"),
                Map.of("id", "e2", "type", "page_view", "page", "/home"),
                Map.of("id", "e3", "type", "page_view", "page", "/pricing"),
                Map.of("id", "e4", "type", "purchase", "page", "/checkout", "amount", 19.99),
                Map.of("id", "e4", "type", "purchase", "page", "/checkout", "amount", 19.99)));
        assertThat(batch.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(batch.getBody().get("refs")).hasSize(5);
        assertThat(this.http.post("/analytics/events", Map.of("type", "purchase", "amount", 5.01)).getStatusCode())
            .isEqualTo(HttpStatus.ACCEPTED);

        JsonNode summary = this.http.get("/analytics/summary?window=PT10M").getBody();
        assertThat(summary.get("events").asLong()).isEqualTo(5);
        assertThat(summary.get("duplicates").asLong()).isEqualTo(1);
        assertThat(summary.get("byType").get("page_view").get("count").asLong()).isEqualTo(3);
        assertThat(summary.get("byType").get("purchase").get("amount").decimalValue()).isEqualByComparingTo("25.00");
        assertThat(summary.get("topPages").get(0).get("page").asString()).isEqualTo("/home");
        assertThat(summary.get("topPages").get(0).get("events").asLong()).isEqualTo(2);
    }

    @Test
    void healthShowsNanowalUpWithDetails() {
        JsonNode health = this.http.get("/actuator/health").getBody();
        JsonNode nanowal = health.get("components").get("nanowal");
        assertThat(nanowal.get("status").asString()).isEqualTo("UP");
        assertThat(nanowal.get("details").get("directory").asString())
            .isEqualTo(directory.toAbsolutePath().normalize().toString());
        for (String detail : List.of("keys", "segments", "bytesOnDisk", "freeDisk", "minFreeDisk")) {
            assertThat(nanowal.get("details").has(detail)).as(detail).isTrue();
        }
    }

    @Test
    void prometheusHasNanowalMetricsAfterTraffic() {
        this.http.post("/accounts/metrics-1/events", Map.of("type", "AccountOpened", "owner", "Carol"));
        this.http.post("/analytics/events", Map.of("type", "page_view", "page", "/metrics"));
        this.http.get("/accounts/metrics-1");
        String scrape = this.http.getText("/actuator/prometheus");
        assertThat(scrape).contains("nanowal_appends_total{durable=\"true\"", "nanowal_appends_total{durable=\"false\"",
                "nanowal_appended_bytes_total", "nanowal_reads_total", "nanowal_fsync_seconds_bucket",
                "nanowal_group_commit_size_operations", "nanowal_keys", "nanowal_segments", "nanowal_disk_used_bytes",
                "nanowal_files_open_files", "nanowal_compactions_total", "nanowal_compaction_failures_total",
                "nanowal_recovery_truncated_bytes_total", "nanowal_corruptions_total", "nanowal_write_failures_total");
        JsonNode appends = this.http.get("/actuator/metrics/nanowal.appends?tag=durable:true").getBody();
        assertThat(appends.get("measurements").get(0).get("value").asDouble()).isPositive();
    }

    @Test
    void nanowalEndpointListsKeysAndCompactsOnDemand() {
        this.http.post("/accounts/listed-1/events", Map.of("type", "AccountOpened", "owner", "Dan"));
        JsonNode keys = this.http.get("/actuator/nanowal").getBody().get("keys");
        assertThat(keys).extracting((k) -> k.get("key").asString()).contains("account-listed-1");
        JsonNode one = this.http.get("/actuator/nanowal/account-listed-1").getBody();
        assertThat(one.get("entries").asLong()).isEqualTo(1);
        assertThat(one.get("segments").asInt()).isEqualTo(1);
        assertThat(one.has("newestEntry")).isTrue();
        assertThat(one.toString()).doesNotContain("Dan");
        assertThat(this.http.get("/actuator/nanowal/no-such-key").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        JsonNode compaction = this.http.post("/actuator/nanowal", null).getBody();
        assertThat(compaction.get("segmentsDeleted").asInt()).isZero();
    }
}
