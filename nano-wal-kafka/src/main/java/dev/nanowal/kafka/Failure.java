package dev.nanowal.kafka;

import org.apache.kafka.common.InvalidRecordException;

import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/** What a failed send means for the relay. */
enum Failure {

    /** Kafka refuses this record for good; the poison policy decides. */
    POISON,

    /** Worth sending again (broker unreachable, leader moving, metadata missing): resend from the checkpoint. */
    RETRY,

    /** The producer cannot go on (fenced, authentication, sequence lost): the relay stops and says why. */
    FATAL;

    static Failure of(Exception error) {
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidTopicException || error instanceof TopicAuthorizationException
                || error instanceof InvalidRecordException) {
            return POISON;
        }
        // org.apache.kafka.common.errors.TimeoutException (a RetriableException) is how a missing broker shows.
        return error instanceof RetriableException ? RETRY : FATAL;
    }
}
