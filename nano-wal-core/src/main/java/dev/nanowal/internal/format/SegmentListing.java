package dev.nanowal.internal.format;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A directory's segment files by their names (FORMAT.md, "The directory"): per key hash, by sequence number,
 * and the temporary files of creations a crash cut short. Names only; nothing is opened.
 *
 * @param byKey the segment files per key hash, by sequence number, oldest first
 * @param temporaries segments whose creation did not finish
 * @param highestSequence the highest sequence number in a segment name, 0 when there is none
 */
public record SegmentListing(Map<Long, TreeMap<Long, Path>> byKey, List<Path> temporaries, long highestSequence) {

    /** Sorts {@code files} (any directory entries; the ones that are not segments are ignored). */
    public static SegmentListing of(List<Path> files) {
        Map<Long, TreeMap<Long, Path>> byKey = new TreeMap<>();
        List<Path> temporaries = new ArrayList<>();
        long highest = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (SegmentNames.isTemporary(name)) {
                temporaries.add(file);
                continue;
            }
            SegmentNames.Parsed parsed = SegmentNames.parse(name);
            if (parsed != null) {
                byKey.computeIfAbsent(parsed.keyHash(), hash -> new TreeMap<>()).put(parsed.sequence(), file);
                highest = Math.max(highest, parsed.sequence());
            }
        }
        temporaries.sort(null);
        return new SegmentListing(byKey, temporaries, highest);
    }
}
