package dev.nanowal.sample;

import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/** Real HTTP against a running sample app; responses of every status are returned, not thrown. */
final class Http {

    private final RestClient client;

    Http(int port) {
        this.client = RestClient.builder()
            .baseUrl("http://localhost:" + port)
            .defaultStatusHandler((status) -> true, (request, response) -> {
            })
            .build();
    }

    ResponseEntity<JsonNode> get(String path) {
        return this.client.get().uri(path).retrieve().toEntity(JsonNode.class);
    }

    ResponseEntity<JsonNode> put(String path, Object json) {
        return this.client.put()
            .uri(path)
            .contentType(MediaType.APPLICATION_JSON)
            .body(json)
            .retrieve()
            .toEntity(JsonNode.class);
    }

    String getText(String path) {
        return this.client.get().uri(path).retrieve().body(String.class);
    }

    ResponseEntity<JsonNode> post(String path, Object json, String... headerNamesAndValues) {
        return this.client.post()
            .uri(path)
            .contentType(MediaType.APPLICATION_JSON)
            .headers((headers) -> addAll(headers, headerNamesAndValues))
            .body((json != null) ? json : "")
            .retrieve()
            .toEntity(JsonNode.class);
    }

    private static void addAll(HttpHeaders headers, String... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
    }
}
