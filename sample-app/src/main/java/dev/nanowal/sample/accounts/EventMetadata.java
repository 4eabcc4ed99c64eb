package dev.nanowal.sample.accounts;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * What is known about an event besides the event itself, stored as the entry's header so that replay and
 * auditing can read it without touching the event's schema.
 *
 * @param eventId a unique id
 * @param correlationId the id shared by everything one request caused
 * @param causationId the id of the event or command that caused this one, if any
 * @param recordedAt when the event was appended
 */
@JsonInclude(Include.NON_NULL)
public record EventMetadata(String eventId, String correlationId, String causationId, Instant recordedAt) {
}
