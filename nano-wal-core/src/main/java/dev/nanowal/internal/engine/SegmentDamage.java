package dev.nanowal.internal.engine;

import dev.nanowal.WalDamage;
import dev.nanowal.internal.format.RecordCursor;
import dev.nanowal.internal.format.SegmentHeader;
import dev.nanowal.internal.format.SegmentScan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * What is known to be damaged in one segment file: the byte ranges that hold no valid frame. Recovery gives them
 * for a segment it quarantined; a sealed segment that opening trusted without scanning it is surveyed once, when
 * a read first meets bytes that are not a valid frame there, and damage found then is listed in the
 * {@link Quarantine}. A read that lands inside a damaged range fails as corrupt; elsewhere a bad frame only means
 * that a reference pointed at no entry. Thread-safe: the ranges are published once, the survey runs under the
 * segment's key lock.
 */
final class SegmentDamage {

    private final Path path;
    private final SegmentHeader header;
    private final Quarantine quarantine;
    /** Set before the segment is published ({@link #recovered}), or once by {@link #surveyLocked}. */
    private volatile List<SegmentScan.Damage> ranges = List.of();
    /** Under the key's lock: whether a read had the segment scanned. */
    private boolean surveyed;

    SegmentDamage(Path path, SegmentHeader header, Quarantine quarantine) {
        this.path = path;
        this.header = header;
        this.quarantine = quarantine;
    }

    /** Recovery found {@code ranges} damaged, before the segment was published. */
    void recovered(List<SegmentScan.Damage> ranges) {
        this.ranges = ranges;
    }

    /** The damaged range that holds {@code offset}, or null. */
    SegmentScan.Damage at(long offset) {
        for (SegmentScan.Damage damage : ranges) {
            if (damage.covers(offset)) {
                return damage;
            }
        }
        return null;
    }

    /**
     * Scans the segment's frames up to {@code end} through {@code channel}, once, and lists what that finds
     * damaged unless recovery knew it already. The caller holds the key's lock.
     */
    void surveyLocked(FileChannel channel, long end) throws IOException {
        if (surveyed) {
            return;
        }
        SegmentScan.Survey survey = SegmentScan.survey(channel, header.keyHash(), header.sequence(), header.dataStart(),
                end, header.createdAt(), ByteBuffer.allocate(RecordCursor.READ_AHEAD));
        surveyed = true;
        if (!survey.damaged().isEmpty() && ranges.isEmpty()) {
            ranges = survey.damaged();
            quarantine.list(new WalDamage(path, header.key(), header.keyHash(), header.sequence(),
                    ranges.get(0).from(), ranges.get(0).problem() + ", found by a read; the segment holds "
                            + survey.records() + " intact records", survey.records()));
        }
    }
}
