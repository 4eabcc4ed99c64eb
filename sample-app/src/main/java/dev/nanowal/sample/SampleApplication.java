package dev.nanowal.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The nano-wal seed's three examples as an HTTP service: event-sourced accounts ({@code /accounts}), partitioned
 * messaging with resumable consumers ({@code /topics}) and real-time analytics ({@code /analytics}). The {@code Wal}
 * bean, its compaction, health, metrics and the {@code nanowal} Actuator endpoint all come from the starter.
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
