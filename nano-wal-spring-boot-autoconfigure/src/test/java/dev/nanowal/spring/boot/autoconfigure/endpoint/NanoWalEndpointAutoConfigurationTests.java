package dev.nanowal.spring.boot.autoconfigure.endpoint;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.MutableClock;
import dev.nanowal.spring.boot.autoconfigure.NanoWalAutoConfiguration;
import dev.nanowal.spring.boot.autoconfigure.endpoint.NanoWalEndpoint.CompactionDescriptor;
import dev.nanowal.spring.boot.autoconfigure.endpoint.NanoWalEndpoint.KeyDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NanoWalEndpointAutoConfigurationTests {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(START);

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(NanoWalAutoConfiguration.class, NanoWalEndpointAutoConfiguration.class))
            .withBean(Clock.class, () -> this.clock)
            .withPropertyValues("nanowal.directory=" + this.directory, "nanowal.compaction.enabled=false",
                    "nanowal.entry-retention=1h", "management.endpoints.web.exposure.include=nanowal");
    }

    @Test
    void describesKeysWithoutContents() {
        runner().run((context) -> {
            Wal wal = context.getBean(Wal.class);
            wal.logEntry("orders-0", null, bytes("secret"));
            this.clock.advance(Duration.ofSeconds(5));
            wal.logEntry("orders-0", null, bytes("secret too"));
            wal.logEntry("user/42", null, bytes("x"));
            NanoWalEndpoint endpoint = context.getBean(NanoWalEndpoint.class);

            NanoWalEndpoint.WalDescriptor all = endpoint.keys();
            assertThat(all.directory()).isEqualTo(this.directory.toAbsolutePath().toString());
            assertThat(all.keys()).extracting(KeyDescriptor::key).containsExactlyInAnyOrder("orders-0", "user/42");
            assertThat(all.toString()).doesNotContain("secret");

            KeyDescriptor orders = endpoint.key(new String[] { "orders-0" });
            assertThat(orders.entries()).isEqualTo(2);
            assertThat(orders.segments()).isEqualTo(1);
            assertThat(orders.bytes()).isPositive();
            assertThat(orders.keyHash()).isEqualTo(Long.toHexString(EntryRef.hashOf("orders-0")));
            assertThat(orders.oldestEntry()).isEqualTo(START);
            assertThat(orders.newestEntry()).isEqualTo(START.plusSeconds(5));
            assertThat(endpoint.key(new String[] { "user", "42" }).entries()).isEqualTo(1);
            assertThat(endpoint.key(new String[] { "missing" })).isNull();
        });
    }

    @Test
    void aLimitOutOfRangeIsABadRequest() {
        runner().run((context) -> {
            NanoWalEndpoint endpoint = context.getBean(NanoWalEndpoint.class);
            assertThatThrownBy(() -> endpoint.keys(null, NanoWalEndpoint.MAX_LIMIT + 1))
                .isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessageContaining("limit must be between 1 and 10000");
        });
    }

    @Test
    void compactsOnDemandAndSaysWhatItDeleted() {
        runner().run((context) -> {
            Wal wal = context.getBean(Wal.class);
            wal.logEntry("old", null, bytes("expires"));
            this.clock.advance(Duration.ofHours(3));
            CompactionDescriptor result = context.getBean(NanoWalEndpoint.class).compact();
            assertThat(result.segmentsDeleted()).isPositive();
            assertThat(result.bytesDeleted()).isPositive();
            assertThat(result.deletedSegments()).allSatisfy((segment) -> assertThat(segment.key()).isEqualTo("old"));
            assertThat(result.startedAt()).isEqualTo(START.plus(Duration.ofHours(3)));
            assertThat(wal.keyInfo("old")).isEmpty();
        });
    }

    @Test
    void notCreatedUnlessExposed() {
        runner().withPropertyValues("management.endpoints.web.exposure.include=health")
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean(NanoWalEndpoint.class));
    }

    @Test
    void backsOffWithoutActuator() {
        runner().withClassLoader(new FilteredClassLoader(Endpoint.class))
            .run((context) -> assertThat(context).hasSingleBean(Wal.class).doesNotHaveBean(NanoWalEndpoint.class));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
