package dev.nanowal.sample.accounts;

/**
 * An event read back from the WAL.
 *
 * @param ref where it is, to read it again directly
 * @param metadata its header
 * @param event its content
 */
public record StoredEvent(String ref, EventMetadata metadata, AccountEvent event) {
}
