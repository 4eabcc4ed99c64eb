package dev.nanowal.kafka;

import dev.nanowal.EntryRef;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SourcePositionTest {

    @Test
    void travelsInKafkaHeaders() {
        SourcePosition position = new SourcePosition("orders-0", new EntryRef(EntryRef.hashOf("orders-0"), 9, 128));
        RecordHeaders headers = new RecordHeaders();
        position.addTo(headers);
        assertThat(SourcePosition.of(headers)).contains(position);
        assertThat(SourcePosition.of(new RecordHeaders())).isEmpty();
    }

    @Test
    void ordersPositionsOfOneKey() {
        SourcePosition first = at(3, 4096);
        assertThat(at(3, 4200).isAfter(first)).isTrue();
        assertThat(at(4, 0).isAfter(first)).isTrue();
        assertThat(first.isAfter(first)).isFalse();
        assertThat(at(2, 9000).isAfter(first)).isFalse();
        assertThatIllegalArgumentException()
            .isThrownBy(() -> first.isAfter(new SourcePosition("other", new EntryRef(1, 5, 0))))
            .withMessageContaining("different keys");
    }

    private static SourcePosition at(long sequence, long offset) {
        return new SourcePosition("orders-0", new EntryRef(EntryRef.hashOf("orders-0"), sequence, offset));
    }
}
