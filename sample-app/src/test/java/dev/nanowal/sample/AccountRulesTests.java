package dev.nanowal.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.nanowal.spring.boot.test.AutoConfigureTempWal;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static dev.nanowal.sample.ProblemDetailsTests.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The event store's rules over real HTTP: an append decided on a version that is no longer the account's is a 409,
 * an event the account's state refuses is a 422, and neither writes anything.
 */
@AutoConfigureTempWal
class AccountRulesTests extends OverHttpTests {

    private static final int RACERS = 8;

    @Test
    void ofConcurrentAppendsExpectingTheSameVersionExactlyOneWins() throws Exception {
        open("race-1", "Ann");
        assertThat(this.http.get("/accounts/race-1").getHeaders().getETag()).isEqualTo("\"1\"");
        List<ResponseEntity<JsonNode>> responses = race(RACERS,
                () -> this.http.post("/accounts/race-1/events", Map.of("type", "MoneyDeposited", "amount", 10),
                        "If-Match", "\"1\""));

        List<ResponseEntity<JsonNode>> created = responses.stream()
            .filter((response) -> response.getStatusCode() == HttpStatus.CREATED)
            .toList();
        assertThat(created).hasSize(1);
        assertThat(created.get(0).getHeaders().getETag()).isEqualTo("\"2\"");
        responses.stream()
            .filter((response) -> response.getStatusCode() != HttpStatus.CREATED)
            .forEach((response) -> assertProblem(response, HttpStatus.CONFLICT, "Account 'race-1' "));
        JsonNode account = this.http.get("/accounts/race-1").getBody();
        assertThat(account.get("version").asLong()).isEqualTo(2);
        assertThat(account.get("balance").decimalValue()).isEqualByComparingTo("10");
    }

    @Test
    void concurrentWithdrawalsNeverOverdrawTheAccount() throws Exception {
        open("race-2", "Ben");
        this.http.post("/accounts/race-2/events", Map.of("type", "MoneyDeposited", "amount", 100));
        // No If-Match: each request decides on the balance it read; only one may spend it.
        List<ResponseEntity<JsonNode>> responses = race(RACERS,
                () -> this.http.post("/accounts/race-2/events", Map.of("type", "MoneyWithdrawn", "amount", 60)));

        assertThat(responses).filteredOn((response) -> response.getStatusCode() == HttpStatus.CREATED).hasSize(1);
        // the others read the balance before the winner appended (409) or after (422)
        assertThat(responses).extracting(ResponseEntity::getStatusCode)
            .isSubsetOf(HttpStatus.CREATED, HttpStatus.CONFLICT, HttpStatus.UNPROCESSABLE_CONTENT);
        JsonNode account = this.http.get("/accounts/race-2").getBody();
        assertThat(account.get("balance").decimalValue()).isEqualByComparingTo("40");
        assertThat(account.get("version").asLong()).isEqualTo(3);
    }

    @Test
    void anAppendExpectingAnOlderVersionIsAConflict() {
        open("stale-1", "Cid");
        this.http.post("/accounts/stale-1/events", Map.of("type", "MoneyDeposited", "amount", 5));
        assertProblem(this.http.post("/accounts/stale-1/events", Map.of("type", "MoneyDeposited", "amount", 5),
                "If-Match", "\"1\""), HttpStatus.CONFLICT, "Account 'stale-1' is at version 2, not 1");
        assertThat(this.http.post("/accounts/stale-1/events", Map.of("type", "MoneyDeposited", "amount", 5),
                "If-Match", "\"2\"").getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertProblem(this.http.post("/accounts/stale-1/events", Map.of("type", "MoneyDeposited", "amount", 5),
                "If-Match", "latest"), HttpStatus.BAD_REQUEST, "If-Match must be one account version");
        assertThat(this.http.get("/accounts/stale-1").getBody().get("version").asLong()).isEqualTo(3);
    }

    @Test
    void aWithdrawalOverTheBalanceIsRefused() {
        open("poor-1", "Dee");
        this.http.post("/accounts/poor-1/events", Map.of("type", "MoneyDeposited", "amount", 70));
        assertProblem(this.http.post("/accounts/poor-1/events", Map.of("type", "MoneyWithdrawn", "amount", 70.01)),
                HttpStatus.UNPROCESSABLE_CONTENT,
                "Account 'poor-1' has a balance of 70, less than the withdrawal of 70.01");
        assertThat(this.http.post("/accounts/poor-1/events", Map.of("type", "MoneyWithdrawn", "amount", 70))
            .getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(this.http.get("/accounts/poor-1/events").getBody()).hasSize(3);
    }

    @Test
    void anAccountNeverOpenedTakesNoMoneyAndAnOpenOneIsNotOpenedAgain() {
        assertProblem(this.http.post("/accounts/ghost-1/events", Map.of("type", "MoneyDeposited", "amount", 10)),
                HttpStatus.UNPROCESSABLE_CONTENT, "Account 'ghost-1' is not open: post AccountOpened first");
        assertProblem(this.http.post("/accounts/ghost-1/events", Map.of("type", "MoneyWithdrawn", "amount", 10)),
                HttpStatus.UNPROCESSABLE_CONTENT, "Account 'ghost-1' is not open");
        assertThat(this.http.get("/accounts/ghost-1").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

        open("ghost-1", "Eve");
        assertProblem(this.http.post("/accounts/ghost-1/events", Map.of("type", "AccountOpened", "owner", "Mallory")),
                HttpStatus.UNPROCESSABLE_CONTENT, "Account 'ghost-1' is open already (owner Eve)");
        assertThat(this.http.get("/accounts/ghost-1").getBody().get("owner").asString()).isEqualTo("Eve");
    }

    private void open(String account, String owner) {
        assertThat(this.http.post("/accounts/" + account + "/events", Map.of("type", "AccountOpened", "owner", owner))
            .getStatusCode()).isEqualTo(HttpStatus.CREATED);
    }

    /** Sends {@code count} requests at once: each thread waits at a barrier until all are ready. */
    private static List<ResponseEntity<JsonNode>> race(int count, Request request) throws Exception {
        CyclicBarrier start = new CyclicBarrier(count);
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            List<Future<ResponseEntity<JsonNode>>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(threads.submit(() -> {
                    start.await();
                    return request.send();
                }));
            }
            List<ResponseEntity<JsonNode>> responses = new ArrayList<>();
            for (Future<ResponseEntity<JsonNode>> future : futures) {
                responses.add(future.get());
            }
            return responses;
        }
        finally {
            threads.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Request {

        ResponseEntity<JsonNode> send();
    }
}
