package dev.nanowal.sample.analytics;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import dev.nanowal.Wal;
import dev.nanowal.WalEntry;
import dev.nanowal.WalRecord;
import dev.nanowal.sample.EntryRefs;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Service;

/**
 * Real-time analytics on nano-wal: one stream (WAL key) per event type, appended without waiting for the disk
 * (high volume, where losing the last moment's events to a machine crash is acceptable), with the event id and
 * arrival time in the header. Aggregates are computed from the streams on request, skipping duplicate ids, so the
 * log stays the only state.
 */
@Service
public class AnalyticsPipeline {

    static final String KEY_PREFIX = "analytics-";

    private static final int TOP_PAGES = 5;

    private final Wal wal;

    private final JsonMapper json;

    private final Clock clock;

    AnalyticsPipeline(Wal wal, JsonMapper json, Clock clock) {
        this.wal = wal;
        this.json = json;
        this.clock = clock;
    }

    /** Appends the events in one batch: one write for all of them. */
    List<String> ingest(List<AnalyticsEvent> events) {
        Instant now = this.clock.instant();
        List<WalEntry> entries = events.stream().map((event) -> entry(event, now)).toList();
        return this.wal.appendBatch(entries, false).stream().map(EntryRefs::format).toList();
    }

    private WalEntry entry(AnalyticsEvent event, Instant receivedAt) {
        String id = (event.id() != null) ? event.id() : UUID.randomUUID().toString();
        return WalEntry.of(KEY_PREFIX + event.type(), this.json.writeValueAsBytes(new Arrival(id, receivedAt)),
                this.json.writeValueAsBytes(event));
    }

    Summary summarize(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        Instant to = this.clock.instant();
        Instant from = to.minus(window);
        Aggregator aggregator = new Aggregator();
        this.wal.enumerateKeys().stream().filter((key) -> key.startsWith(KEY_PREFIX)).forEach((key) -> {
            try (Stream<WalRecord> records = this.wal.enumerateEntries(key)) {
                records.forEach((record) -> {
                    Arrival arrival = this.json.readValue(record.header(), Arrival.class);
                    if (!arrival.receivedAt().isBefore(from)) {
                        aggregator.add(arrival.id(), this.json.readValue(record.content(), AnalyticsEvent.class));
                    }
                });
            }
        });
        return aggregator.summary(window, from, to);
    }

    /**
     * An event's header.
     *
     * @param id the event id, for deduplication
     * @param receivedAt when it arrived
     */
    record Arrival(String id, Instant receivedAt) {
    }

    /**
     * @param count events of the type
     * @param amount the sum of their amounts
     */
    record TypeStats(long count, BigDecimal amount) {
    }

    /**
     * @param page the page
     * @param events events on it
     */
    record PageCount(String page, long events) {
    }

    /**
     * @param window the window summarized
     * @param from its start
     * @param to its end (now)
     * @param events distinct events in it
     * @param duplicates events skipped because their id was seen already
     * @param byType counts and amounts per event type
     * @param topPages the pages with the most events
     */
    record Summary(Duration window, Instant from, Instant to, long events, long duplicates,
            Map<String, TypeStats> byType, List<PageCount> topPages) {
    }

    /** Folds one window's events; not thread-safe, one per request. */
    private static final class Aggregator {

        private final Set<String> seen = new HashSet<>();

        private final Map<String, TypeStats> byType = new TreeMap<>();

        private final Map<String, Long> pages = new HashMap<>();

        private long duplicates;

        void add(String id, AnalyticsEvent event) {
            if (!this.seen.add(id)) {
                this.duplicates++;
                return;
            }
            BigDecimal amount = (event.amount() != null) ? event.amount() : BigDecimal.ZERO;
            this.byType.merge(event.type(), new TypeStats(1, amount),
                    (a, b) -> new TypeStats(a.count() + b.count(), a.amount().add(b.amount())));
            if (event.page() != null) {
                this.pages.merge(event.page(), 1L, Long::sum);
            }
        }

        Summary summary(Duration window, Instant from, Instant to) {
            List<PageCount> top = new ArrayList<>();
            this.pages.forEach((page, count) -> top.add(new PageCount(page, count)));
            top.sort(Comparator.comparingLong(PageCount::events).reversed().thenComparing(PageCount::page));
            return new Summary(window, from, to, this.seen.size(), this.duplicates, this.byType,
                    List.copyOf(top.subList(0, Math.min(TOP_PAGES, top.size()))));
        }
    }
}
