package dev.nanowal.sample;

import org.junit.jupiter.api.BeforeEach;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A test of the sample app running on a random port, spoken to over real HTTP through {@link #http}. Subclasses say
 * where its WAL lives ({@code @AutoConfigureTempWal} or a {@code nanowal.directory} of their own).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
abstract class OverHttpTests {

    @LocalServerPort
    private int port;

    /** The running app, connected before each test. */
    protected Http http;

    @BeforeEach
    final void connect() {
        this.http = new Http(this.port);
    }

}
