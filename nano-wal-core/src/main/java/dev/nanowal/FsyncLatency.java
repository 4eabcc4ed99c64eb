package dev.nanowal;

import java.time.Duration;

/**
 * How long the fsyncs that durable appends wait for took over a recent window ({@link Wal#fsyncLatency(Duration)}):
 * segment fsyncs and commits of the shared journal (a write and an fdatasync) alike. For a health check of a slow
 * disk; the full histograms are the listener's ({@link WalListener#onSync}, {@link WalListener#onJournalCommit}).
 *
 * @param window the span looked at, back from now by the WAL's clock
 * @param fsyncs how many fsyncs finished within it (of the last {@value #KEPT} of the WAL)
 * @param p99 the 99th percentile of their durations (the nearest rank), zero when there were none
 * @param max the longest, zero when there were none
 */
public record FsyncLatency(Duration window, int fsyncs, Duration p99, Duration max) {

    /** How many of the most recent fsyncs the WAL keeps for this. */
    public static final int KEPT = 4096;
}
