package dev.nanowal.spring.boot.autoconfigure.health;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.nanowal.DiskState;
import dev.nanowal.SmallTmpfs;
import dev.nanowal.Wal;
import dev.nanowal.WalIOException;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The DOWN state that needs a real file system to misbehave: a full one. Uses a 1 MiB tmpfs, so it needs Linux and
 * the right to mount (root here); elsewhere it is skipped with a message.
 */
class NanoWalHealthOnARealFileSystemTests {

    @TempDir
    Path root;

    private Path mount;

    @BeforeEach
    void mountASmallFileSystem() throws Exception {
        this.mount = SmallTmpfs.mountOrSkip(this.root.resolve("tmpfs"), "1m");
    }

    @AfterEach
    void unmount() throws Exception {
        if (this.mount != null) {
            SmallTmpfs.unmount(this.mount);
        }
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(NanoWalAutoConfiguration.class,
                    NanoWalHealthContributorAutoConfiguration.class))
            .withPropertyValues("nanowal.directory=" + this.mount.resolve("wal"), "nanowal.compaction.enabled=false",
                    "nanowal.health.min-free-disk=0", "nanowal.max-segment-size=256KB");
    }

    @Test
    void downWithDiskFullWhileTheDiskIsFullAndUpOnceSpaceIsBackAndAnAppendSucceeded() {
        runner().run((context) -> {
            Path filler = Files.write(this.mount.resolve("filler"), new byte[256 * 1024]);
            Wal wal = context.getBean(Wal.class);
            HealthIndicator indicator = context.getBean("nanowalHealthIndicator", HealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            assertThatThrownBy(() -> {
                for (int i = 0; i < 1000; i++) {
                    wal.logEntry("k" + (i % 3), null, new byte[32 * 1024]);
                }
            }).isInstanceOf(WalIOException.class);

            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("diskState")).isEqualTo("DISK_FULL");
            assertThat(health.getDetails().get("problems").toString()).contains("disk full");
            assertThatThrownBy(() -> wal.appendEntry("k0", null, new byte[] { 1 }, false))
                .isInstanceOfSatisfying(WalIOException.class, (refused) -> assertThat(refused.isDiskFull()).isTrue());

            Files.delete(filler);
            assertThat(wal.diskState()).isEqualTo(DiskState.WRITABLE);
            wal.appendEntry("k0", null, new byte[] { 1 }, false);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        });
    }
}
