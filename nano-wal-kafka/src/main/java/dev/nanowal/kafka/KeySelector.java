package dev.nanowal.kafka;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which WAL keys the relay forwards. Keys starting with {@value #RESERVED_PREFIX} are reserved for bookkeeping
 * (consumer positions, dead letters) and are never selected by {@link #all()} or {@link #matching(Pattern)};
 * name them in {@link #of(List)} to forward them anyway.
 */
public final class KeySelector {

    /** The prefix of bookkeeping keys, such as {@code __consumer-positions}. */
    public static final String RESERVED_PREFIX = "__";

    private final Set<String> keys;

    private final Pattern pattern;

    private KeySelector(Set<String> keys, Pattern pattern) {
        this.keys = keys;
        this.pattern = pattern;
    }

    /** Every key except the reserved ones. */
    public static KeySelector all() {
        return new KeySelector(null, null);
    }

    /** Exactly these keys. */
    public static KeySelector of(List<String> keys) {
        Objects.requireNonNull(keys, "keys must not be null");
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("keys must name at least one key");
        }
        return new KeySelector(Set.copyOf(keys), null);
    }

    /** Every non-reserved key that the pattern matches as a whole. */
    public static KeySelector matching(Pattern pattern) {
        return new KeySelector(null, Objects.requireNonNull(pattern, "pattern must not be null"));
    }

    /** Whether the relay forwards {@code key}. */
    public boolean selects(String key) {
        if (keys != null) {
            return keys.contains(key);
        }
        return !key.startsWith(RESERVED_PREFIX) && (pattern == null || pattern.matcher(key).matches());
    }

    @Override
    public String toString() {
        return keys != null ? "keys " + keys : pattern != null ? "keys matching " + pattern : "all keys";
    }
}
