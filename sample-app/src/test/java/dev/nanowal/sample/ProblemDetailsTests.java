package dev.nanowal.sample;

import java.util.List;
import java.util.Map;

import dev.nanowal.spring.boot.test.AutoConfigureTempWal;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error the API gives is an RFC 9457 problem detail that says what was wrong. */
@AutoConfigureTempWal
class ProblemDetailsTests extends OverHttpTests {

    @Test
    void malformedJson() {
        assertProblem(this.http.post("/accounts/a-1/events", "{\"type\": "), HttpStatus.BAD_REQUEST,
                "Malformed JSON: ");
    }

    @Test
    void aBodyThatFailsTheRecordsOwnCheck() {
        assertProblem(this.http.post("/accounts/a-1/events", Map.of("type", "Nope")), HttpStatus.BAD_REQUEST,
                "type must be AccountOpened, MoneyDeposited or MoneyWithdrawn, was 'Nope'");
    }

    @Test
    void aValidBodyConstraintNamesTheField() {
        assertProblem(this.http.post("/accounts/a-1/events", Map.of("type", "AccountOpened", "owner", "x".repeat(257))),
                HttpStatus.BAD_REQUEST, "owner size must be between 0 and 256");
        assertProblem(this.http.post("/analytics/events", Map.of("type", "view", "page", "/" + "p".repeat(2048))),
                HttpStatus.BAD_REQUEST, "page size must be between 0 and 2048");
    }

    @Test
    void aBatchOfTheWrongSizeOrWithABadEvent() {
        assertProblem(this.http.post("/analytics/events/batch", List.of()), HttpStatus.BAD_REQUEST,
                "size must be between 1 and 10000");
        assertProblem(this.http.post("/analytics/events/batch", List.of(Map.of("type", "view", "id", "i".repeat(129)))),
                HttpStatus.BAD_REQUEST, "size must be between 0 and 128");
    }

    @Test
    void unknownPathWrongMethodAndMissingAccount() {
        assertProblem(this.http.get("/no/such/path"), HttpStatus.NOT_FOUND, "No static resource");
        assertProblem(this.http.get("/accounts/a-1/events/not-a-ref"), HttpStatus.BAD_REQUEST,
                "'not-a-ref' is not an entry reference");
        assertProblem(this.http.get("/accounts/nobody"), HttpStatus.NOT_FOUND,
                "Account 'nobody' has no events");
        assertProblem(this.http.post("/analytics/summary", Map.of()), HttpStatus.METHOD_NOT_ALLOWED, "POST");
    }

    static void assertProblem(ResponseEntity<JsonNode> response, HttpStatus status, String detail) {
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody().get("status").asInt()).isEqualTo(status.value());
        assertThat(response.getBody().get("detail").asString()).contains(detail);
    }
}
