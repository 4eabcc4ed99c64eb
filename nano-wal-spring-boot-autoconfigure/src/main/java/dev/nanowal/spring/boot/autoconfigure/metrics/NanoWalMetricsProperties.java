package dev.nanowal.spring.boot.autoconfigure.metrics;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Opt-in nano-wal meters, bound from {@code nanowal.metrics.*}.
 *
 * @param cursors Whether to publish a gauge per cursor (nanowal.cursor.entries.behind, tagged by cursor name and
 * key) and the number of cursors. Off by default: every cursor is a time series of its own.
 */
@ConfigurationProperties("nanowal.metrics")
public record NanoWalMetricsProperties(@DefaultValue("false") boolean cursors) {
}
