package dev.nanowal.spring.boot.autoconfigure.health;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.nanowal.Wal;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.NanoWalCompactor;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class NanoWalHealthContributorAutoConfigurationTests {

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(NanoWalAutoConfiguration.class,
                    NanoWalHealthContributorAutoConfiguration.class))
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false");
    }

    @Test
    void upWithDetails() {
        // UP must not hang on how fast this machine's disk is today: NanoWalSlowDiskHealthHttpTests covers DEGRADED
        runner().withPropertyValues("nanowal.health.max-fsync-latency=1h").run((context) -> {
            assertThat(context).hasBean("nanowalHealthIndicator");
            Wal wal = context.getBean(Wal.class);
            wal.logEntry("orders-0", null, "created".getBytes(StandardCharsets.UTF_8));
            context.getBean(NanoWalCompactor.class).compact();
            Health health = context.getBean("nanowalHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("directory", this.directory.toAbsolutePath().toString())
                .containsEntry("keys", 1L)
                .containsEntry("segments", 1L)
                .containsEntry("diskState", "WRITABLE")
                .containsKeys("bytesOnDisk", "freeDisk", "minFreeDisk", "fsyncLatency", "lastCompaction")
                .doesNotContainKey("problems");
            assertThat(health.getDetails().get("lastCompaction")).asInstanceOf(InstanceOfAssertFactories.MAP)
                .containsOnlyKeys("startedAt", "segmentsDeleted", "bytesDeleted");
        });
    }

    @Test
    void downWhenTheWalIsClosed() {
        runner().run((context) -> {
            context.getBean(Wal.class).close();
            Health health = context.getBean("nanowalHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("problems").toString()).contains("closed");
        });
    }

    @Test
    void downWhenFreeDiskIsBelowTheThreshold() {
        runner().withPropertyValues("nanowal.health.min-free-disk=1048576TB").run((context) -> {
            Health health = context.getBean("nanowalHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("problems").toString())
                .contains("nanowal.health.min-free-disk");
        });
    }

    @Test
    void switchedOffLikeAnyHealthIndicator() {
        runner().withPropertyValues("management.health.nanowal.enabled=false")
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean("nanowalHealthIndicator"));
    }

    @Test
    void backsOffWithoutSpringBootHealth() {
        runner().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean("nanowalHealthIndicator"));
    }

    @Test
    void backsOffWhenNanoWalIsDisabled() {
        runner().withPropertyValues("nanowal.enabled=false")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("nanowalHealthIndicator"));
    }
}
