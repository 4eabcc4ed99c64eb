package dev.nanowal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Wal#fsyncLatency(Duration)}: the fsyncs durable appends waited for (journal commits, or segment fsyncs
 * without the journal) within a window of the WAL's clock, so a slow disk shows there and leaves it once the window
 * has moved past its fsyncs. The latency comes from {@link SlowStorage}; the window moves by a {@link MutableClock}.
 */
class SlowDiskTest {

    private static final Duration SLOW = Duration.ofMillis(40);
    private static final Duration WINDOW = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    private final SlowStorage storage = new SlowStorage();

    @ParameterizedTest(name = "journal={0}")
    @ValueSource(booleans = {true, false})
    void slowFsyncsShowInTheWindowsP99AndLeaveItWhenTheWindowMovesOn(boolean journal) {
        try (Wal wal = storage.open(dir, WalOptions.builder().clock(clock).journal(journal)
                .checkpointInterval(Duration.ofHours(1)).build())) {
            assertThat(wal.fsyncLatency(WINDOW)).isEqualTo(new FsyncLatency(WINDOW, 0, Duration.ZERO, Duration.ZERO));
            storage.latency(SLOW);
            for (int i = 0; i < 10; i++) {
                wal.appendEntry("k" + (i % 2), null, new byte[100], true);
            }
            FsyncLatency slow = wal.fsyncLatency(WINDOW);
            assertThat(slow.fsyncs()).isGreaterThanOrEqualTo(10);
            assertThat(slow.p99()).isGreaterThanOrEqualTo(SLOW);
            assertThat(slow.max()).isGreaterThanOrEqualTo(slow.p99());

            storage.latency(Duration.ZERO);
            clock.advance(WINDOW.plusSeconds(1));
            assertThat(wal.fsyncLatency(WINDOW).fsyncs()).as("fsyncs left in the window").isZero();
            for (int i = 0; i < 3; i++) {
                wal.appendEntry("k0", null, new byte[100], true);
            }
            assertThat(wal.fsyncLatency(WINDOW).fsyncs()).isEqualTo(3);
            assertThat(wal.fsyncLatency(Duration.ofDays(1)).fsyncs()).isEqualTo(slow.fsyncs() + 3);
        }
    }

    @Test
    void aNegativeWindowIsRefused() {
        try (Wal wal = Wal.open(dir)) {
            assertThatThrownBy(() -> wal.fsyncLatency(Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
        }
    }
}
