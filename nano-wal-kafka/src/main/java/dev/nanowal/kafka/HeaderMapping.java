package dev.nanowal.kafka;

/** What becomes of a WAL entry's header (its metadata) in the Kafka record. */
public enum HeaderMapping {

    /** The entry header is not forwarded; the record has no key. */
    NONE,

    /** The entry header becomes the Kafka record key (no key when the entry has no header). */
    RECORD_KEY,

    /** The entry header is forwarded as the Kafka header {@value SourcePosition#ENTRY_HEADER}; no record key. */
    KAFKA_HEADER
}
