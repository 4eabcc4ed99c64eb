package dev.nanowal;

import java.time.Duration;

/**
 * The commit journal's counters since the WAL was opened (see {@link WalOptions#journal()}). Cheap to poll.
 *
 * @param enabled whether the WAL runs with the journal; all counters are 0 when not
 * @param commits journal writes, each followed by one fdatasync, that made durable appends durable
 * @param entries durable entries those commits covered (their mean per commit is the group-commit batch size)
 * @param bytes bytes written to the journal
 * @param checkpoints checkpoints run (segments fsynced, covered journal files retired)
 * @param replayedRanges segment ranges the journal wrote back into their segments when the WAL was opened
 * @param replayedBytes the bytes of those ranges
 * @param replayTime how long that replay took
 */
public record JournalStats(boolean enabled, long commits, long entries, long bytes, long checkpoints,
        long replayedRanges, long replayedBytes, Duration replayTime) {
}
