package dev.nanowal.kafka;

import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class KeySelectorTest {

    @Test
    void allAndPatternsLeaveReservedKeysOut() {
        assertThat(KeySelector.all().selects("orders-0")).isTrue();
        assertThat(KeySelector.all().selects("__consumer-positions")).isFalse();
        KeySelector orders = KeySelector.matching(Pattern.compile("orders-.*|__.*"));
        assertThat(orders.selects("orders-0")).isTrue();
        assertThat(orders.selects("payments-0")).isFalse();
        assertThat(orders.selects("__relay-dead-letters")).isFalse();
    }

    @Test
    void aListSelectsExactlyItsKeysReservedOnesToo() {
        KeySelector keys = KeySelector.of(List.of("orders-0", "__audit"));
        assertThat(keys.selects("orders-0")).isTrue();
        assertThat(keys.selects("__audit")).isTrue();
        assertThat(keys.selects("orders-1")).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> KeySelector.of(List.of()))
            .withMessageContaining("at least one key");
    }
}
