package dev.nanowal.spring.boot.autoconfigure.metrics;

import java.util.List;

import dev.nanowal.CursorInfo;
import dev.nanowal.Wal;
import dev.nanowal.WalClosedException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * One gauge per cursor, {@code nanowal.cursor.entries.behind} tagged {@code cursor} and {@code key}, and the number
 * of cursors, {@code nanowal.cursors}. Opt-in ({@code nanowal.metrics.cursors=true}): each cursor is a time series.
 *
 * <p>Cursors come and go while the application runs, so the per-cursor gauges are registered again from
 * {@link Wal#cursors()} each time the registry reads {@code nanowal.cursors}: a new cursor appears at the latest one
 * poll later.
 */
public final class NanoWalCursorMetrics implements MeterBinder {

    private final Wal wal;

    private MultiGauge behind;

    public NanoWalCursorMetrics(Wal wal) {
        this.wal = wal;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.behind = MultiGauge.builder("nanowal.cursor.entries.behind")
            .description("Entries the cursor's key holds after the cursor's committed position")
            .register(registry);
        Gauge.builder("nanowal.cursors", this, NanoWalCursorMetrics::refresh)
            .description("Cursors of the WAL, committed ones from earlier runs included")
            .register(registry);
        refresh();
    }

    /** Re-registers the per-cursor gauges; returns the number of cursors, NaN once the WAL is closed. */
    private double refresh() {
        List<CursorInfo> cursors;
        try {
            cursors = this.wal.isOpen() ? this.wal.cursors() : null;
        }
        catch (WalClosedException ex) {
            cursors = null;
        }
        if (cursors == null) {
            this.behind.register(List.of(), true);
            return Double.NaN;
        }
        this.behind.register(cursors.stream()
            .map((cursor) -> MultiGauge.Row.of(Tags.of("cursor", cursor.name(), "key", cursor.key()),
                    cursor.entriesBehind()))
            .toList(), true);
        return cursors.size();
    }
}
