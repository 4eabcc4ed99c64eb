package dev.nanowal.spring.boot.autoconfigure.metrics;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class NanoWalMetricsAutoConfigurationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    NanoWalAutoConfiguration.class, NanoWalMetricsAutoConfiguration.class))
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false");
    }

    @Test
    void percentilesOfTheFsyncTimerAreTheApplicationsChoice() {
        runner().withPropertyValues("management.metrics.distribution.percentiles.nanowal.fsync=0.99").run((context) -> {
            context.getBean(Wal.class).appendEntry("a", null, bytes("1"), true);
            assertThat(context.getBean(MeterRegistry.class).get("nanowal.fsync").timer().takeSnapshot()
                .percentileValues()).extracting((value) -> value.percentile()).containsExactly(0.99);
        });
    }

    @Test
    void cursorGaugesAreOptIn() {
        runner().run((context) -> {
            assertThat(context).doesNotHaveBean(NanoWalCursorMetrics.class);
            assertThat(context.getBean(MeterRegistry.class).find("nanowal.cursors").gauge()).isNull();
        });
        runner().withPropertyValues("nanowal.metrics.cursors=true").run((context) -> {
            Wal wal = context.getBean(Wal.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            EntryRef first = wal.appendEntry("orders", null, bytes("1"), true);
            wal.appendEntry("orders", null, bytes("2"), true);
            wal.appendEntry("orders", null, bytes("3"), true);
            wal.cursor("billing", "orders").commit(first);

            assertThat(registry.get("nanowal.cursors").gauge().value()).isEqualTo(1);
            assertThat(registry.get("nanowal.cursor.entries.behind")
                .tags("cursor", "billing", "key", "orders")
                .gauge()
                .value()).isEqualTo(2);
        });
    }

    @Test
    void metersFollowTheWal() {
        runner().run((context) -> {
            assertThat(context).hasSingleBean(NanoWalMetrics.class);
            Wal wal = context.getBean(Wal.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            EntryRef ref = wal.appendEntry("a", null, bytes("12345"), true);
            wal.appendEntry("b", bytes("hd"), bytes("123"), false);
            wal.appendEntry("b", null, bytes("1"), false);
            wal.readEntryAt(ref);

            assertThat(registry.get("nanowal.appends").tag("durable", "true").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("nanowal.appends").tag("durable", "false").functionCounter().count())
                .isEqualTo(2);
            assertThat(registry.get("nanowal.appended").tag("durable", "true").functionCounter().count())
                .isEqualTo(5);
            assertThat(registry.get("nanowal.appended").tag("durable", "false").functionCounter().count())
                .isEqualTo(6);
            assertThat(registry.get("nanowal.reads").functionCounter().count()).isGreaterThanOrEqualTo(1);
            assertThat(registry.get("nanowal.keys").gauge().value()).isEqualTo(2);
            assertThat(registry.get("nanowal.segments").gauge().value()).isEqualTo(2);
            assertThat(registry.get("nanowal.disk.used").gauge().value()).isPositive();
            assertThat(registry.get("nanowal.disk.used").gauge().getId().getBaseUnit()).isEqualTo("bytes");
            assertThat(registry.get("nanowal.files.open").gauge().value()).isPositive();
            assertThat(registry.get("nanowal.journal.commit").timer().count()).isEqualTo(1);
            assertThat(registry.get("nanowal.journal.commit.entries").summary().totalAmount()).isEqualTo(1);
            assertThat(registry.get("nanowal.journal.commit.keys").summary().totalAmount()).isEqualTo(1);
            assertThat(registry.get("nanowal.journal.written").functionCounter().count()).isPositive();
            assertThat(registry.get("nanowal.journal.replayed").gauge().value()).isZero();
            // the durable append was made durable by the journal; a sync checkpoints: it fsyncs the segments
            assertThat(registry.get("nanowal.fsync").timer().count()).isZero();
            wal.sync();
            assertThat(registry.get("nanowal.fsync").timer().count()).isPositive();
            // Percentiles only if the application asks for them (they cannot be added up across instances).
            assertThat(registry.get("nanowal.fsync").timer().takeSnapshot().percentileValues()).isEmpty();
            assertThat(registry.get("nanowal.group.commit.size").summary().totalAmount()).isPositive();
            assertThat(registry.get("nanowal.journal.checkpoint").timer().count()).isPositive();
            for (String counter : new String[] { "nanowal.compactions", "nanowal.compaction.segments.deleted",
                    "nanowal.compaction.failures", "nanowal.recovery.truncated", "nanowal.corruptions",
                    "nanowal.write.failures" }) {
                assertThat(registry.get(counter).functionCounter().count()).as(counter).isZero();
            }
        });
    }

    @Test
    void gaugesReportNothingOnceTheWalIsClosed() {
        runner().run((context) -> {
            context.getBean(Wal.class).close();
            assertThat(context.getBean(MeterRegistry.class).get("nanowal.keys").gauge().value()).isNaN();
        });
    }

    @Test
    void backsOffWithoutMicrometer() {
        runner().withClassLoader(new FilteredClassLoader(MeterBinder.class))
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean(NanoWalMetrics.class));
    }

    @Test
    void backsOffWithoutAMeterRegistry() {
        new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(NanoWalAutoConfiguration.class, NanoWalMetricsAutoConfiguration.class))
            .withPropertyValues("nanowal.directory=" + this.directory)
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean(NanoWalMetrics.class));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
