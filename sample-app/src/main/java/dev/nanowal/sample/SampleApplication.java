package dev.nanowal.sample;

import java.time.Clock;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The nano-wal seed's three examples as an HTTP service: event-sourced accounts ({@code /accounts}), partitioned
 * messaging with resumable consumers ({@code /topics}) and real-time analytics ({@code /analytics}). The {@code Wal}
 * bean, its compaction, health, metrics and the {@code nanowal} Actuator endpoint all come from the starter.
 *
 * <p>One {@link Clock} for the services and the WAL alike (the starter uses the application's clock), so a test can
 * replace it with one it moves.
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
