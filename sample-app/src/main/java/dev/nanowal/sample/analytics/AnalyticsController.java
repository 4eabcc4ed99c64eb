package dev.nanowal.sample.analytics;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.nanowal.sample.analytics.AnalyticsPipeline.Summary;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Ingest analytics events (one or a batch) and read aggregates over a recent window. */
@RestController
@RequestMapping("/analytics")
class AnalyticsController {

    private static final int MAX_BATCH = 10_000;

    private final AnalyticsPipeline pipeline;

    AnalyticsController(AnalyticsPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @PostMapping("/events")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, String> ingest(@RequestBody @Valid AnalyticsEvent event) {
        return Map.of("ref", this.pipeline.ingest(List.of(event)).get(0));
    }

    @PostMapping("/events/batch")
    @ResponseStatus(HttpStatus.ACCEPTED)
    Map<String, List<String>> ingestBatch(
            @RequestBody @Size(min = 1, max = MAX_BATCH) List<@Valid AnalyticsEvent> events) {
        return Map.of("refs", this.pipeline.ingest(events));
    }

    @GetMapping("/summary")
    Summary summary(@RequestParam(defaultValue = "PT1H") Duration window) {
        return this.pipeline.summarize(window);
    }
}
