package dev.nanowal.kafka;

/**
 * What the relay does with an entry Kafka refuses for good (too large for the producer or the topic, topic
 * invalid or not authorized). Every case is logged and counted; none is silent.
 */
public enum PoisonPolicy {

    /**
     * The key stops: its checkpoint stays before the entry and nothing after it is sent again until the relay
     * is restarted (after the cause is fixed). Other keys go on. The relay's status names the key and the error.
     */
    STOP,

    /** The entry is logged at ERROR (key, position, error), counted and passed over; the key goes on. */
    SKIP_AND_LOG,

    /**
     * The entry is appended durably to the dead-letter key (content unchanged, header naming the source key,
     * position, destination and error), logged and counted; the key goes on.
     */
    DEAD_LETTER
}
