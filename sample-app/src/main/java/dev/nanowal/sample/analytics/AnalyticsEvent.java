package dev.nanowal.sample.analytics;

import java.math.BigDecimal;

import dev.nanowal.sample.Names;
import jakarta.validation.constraints.Size;

/**
 * One analytics event as posted, for example a page view, a purchase or an error.
 *
 * @param id a client-chosen id, so a retried post is counted once; one is generated when absent
 * @param type the event type, which picks the stream (WAL key {@code analytics-<type>})
 * @param page the page it happened on, if any
 * @param amount an amount to sum, such as a purchase's value, if any
 */
public record AnalyticsEvent(@Size(max = 128) String id, String type, @Size(max = 2048) String page,
        BigDecimal amount) {

    public AnalyticsEvent {
        Names.check("type", type);
    }
}
