package dev.nanowal.sample;

import java.nio.file.Path;
import java.util.Map;

import dev.nanowal.kafka.KafkaRelay;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample in Spring's AOT mode on the JVM (Failsafe runs this with {@code -Dspring.aot.enabled=true}, after the
 * build's {@code process-aot} wrote the bean factory as code): the same app, with conditions decided at build time.
 * A native image is the next step and cannot be built on this machine (no GraalVM).
 */
class SampleAotIT {

    @TempDir
    Path directory;

    @Test
    void startsFromTheBeanFactoryBuiltAtBuildTimeAndServes() {
        assertThat(AotDetector.useGeneratedArtifacts()).as("spring.aot.enabled").isTrue();
        // The main class names the generated initializer; left to itself, Boot would take the test runner's.
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleApplication.class)
            .main(SampleApplication.class)
            .run("--server.port=0", "--nanowal.directory=" + this.directory, "--nanowal.kafka.enabled=true",
                    // A loaded build machine's fsync p99 passes the 100 ms default and would make the health DEGRADED.
                    "--nanowal.health.max-fsync-latency=1h")) {
            // Generated code supplies the WAL, where a regular start would call the @Bean method reflectively.
            RootBeanDefinition wal = (RootBeanDefinition) context.getBeanFactory().getMergedBeanDefinition("nanoWal");
            assertThat(wal.getInstanceSupplier()).isNotNull();
            // nanowal.kafka.enabled was false when process-aot ran, so no relay, whatever the command line says.
            assertThat(context.getBeanNamesForType(KafkaRelay.class)).isEmpty();

            Http http = new Http(((WebServerApplicationContext) context).getWebServer().getPort());
            assertThat(http.post("/accounts/aot-1/events", Map.of("type", "AccountOpened", "owner", "Ada"))
                .getStatusCode()).isEqualTo(HttpStatus.CREATED);
            http.post("/accounts/aot-1/events", Map.of("type", "MoneyDeposited", "amount", 12));
            JsonNode account = http.get("/accounts/aot-1").getBody();
            assertThat(account.get("owner").asString()).isEqualTo("Ada");
            assertThat(account.get("balance").decimalValue()).isEqualByComparingTo("12");
            ProblemDetailsTests.assertProblem(http.post("/accounts/aot-1/events", "{"), HttpStatus.BAD_REQUEST,
                    "Malformed JSON: ");
            assertThat(http.get("/actuator/health").getBody().get("components").get("nanowal").get("status")
                .asString()).isEqualTo("UP");
        }
    }
}
