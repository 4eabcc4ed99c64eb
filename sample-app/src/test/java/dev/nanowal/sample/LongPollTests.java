package dev.nanowal.sample;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.nanowal.spring.boot.test.AutoConfigureTempWal;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import static dev.nanowal.sample.ProblemDetailsTests.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers that wait for messages ({@code wait=...}): a request waiting on an empty partition returns with the
 * message another thread publishes. Their waits are far longer than any test run, so a request that returns with
 * the message was woken by the publish.
 */
@AutoConfigureTempWal
class LongPollTests extends OverHttpTests {

    /** customer-42 hashes to partition 2 of the default 4. */
    private static final String KEY = "customer-42";

    private static final int PARTITION = 2;

    @Test
    void aReaderWaitingOnAPartitionGetsTheMessagePublishedFromAnotherThread() {
        CompletableFuture<ResponseEntity<JsonNode>> waiting = CompletableFuture
            .supplyAsync(() -> this.http.get("/topics/waited/partitions/" + PARTITION + "/messages?wait=PT30S"));
        String ref = this.http.post("/topics/waited/messages?key=" + KEY, Map.of("n", 1)).getBody().get("ref")
            .asString();

        JsonNode page = waiting.join().getBody();
        assertThat(page.get("messages")).extracting((m) -> m.get("ref").asString()).containsExactly(ref);
        assertThat(page.get("last").asString()).isEqualTo(ref);

        CompletableFuture<ResponseEntity<JsonNode>> next = CompletableFuture.supplyAsync(() -> this.http
            .get("/topics/waited/partitions/" + PARTITION + "/messages?wait=PT30S&after=" + ref));
        this.http.post("/topics/waited/messages?key=" + KEY, Map.of("n", 2));
        assertThat(next.join().getBody().get("messages")).extracting((m) -> m.get("payload").get("n").asInt())
            .containsExactly(2);
    }

    @Test
    void aConsumerWaitingForItsNextMessageGetsItWhenItIsPublished() {
        String consumer = "/topics/queued/partitions/" + PARTITION + "/consumers/worker";
        CompletableFuture<ResponseEntity<JsonNode>> waiting = CompletableFuture
            .supplyAsync(() -> this.http.post(consumer + "/poll?wait=PT30S", null));
        this.http.post("/topics/queued/messages?key=" + KEY, Map.of("job", "a"));

        JsonNode poll = waiting.join().getBody();
        assertThat(poll.get("messages")).extracting((m) -> m.get("payload").get("job").asString())
            .containsExactly("a");
        assertThat(poll.get("position").isNull()).isTrue();
    }

    @Test
    void withoutAWaitAnEmptyPartitionAnswersAtOnceAndAWaitHasALimit() {
        JsonNode empty = this.http.get("/topics/quiet/partitions/0/messages").getBody();
        assertThat(empty.get("messages")).isEmpty();
        assertThat(empty.get("last").isNull()).isTrue();
        assertProblem(this.http.get("/topics/quiet/partitions/0/messages?wait=PT31S"), HttpStatus.BAD_REQUEST,
                "wait must be between PT0S and PT30S, was PT31S");
        assertProblem(this.http.post("/topics/quiet/partitions/0/consumers/c/poll?wait=-PT1S", null),
                HttpStatus.BAD_REQUEST, "wait must be between PT0S and PT30S");
        assertProblem(this.http.get("/topics/quiet/partitions/0/messages?after=not-a-ref"), HttpStatus.BAD_REQUEST,
                "'not-a-ref' is not an entry reference");
    }
}
