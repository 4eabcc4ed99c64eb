package dev.nanowal.spring.boot.test;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.event.ApplicationContextEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.ContextPausedEvent;
import org.springframework.context.event.ContextRestartedEvent;
import org.springframework.context.event.EventListener;

/** An application on the starter with a clock of its own, as applications that inject their clock have. */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApplication {

    @Bean
    Clock applicationClock() {
        return Clock.systemUTC();
    }

    @Bean
    LifecycleEvents lifecycleEvents() {
        return new LifecycleEvents();
    }

    /** What the test framework did to this context while other test classes ran. */
    static class LifecycleEvents {

        final List<String> events = new CopyOnWriteArrayList<>();

        @EventListener({ ContextPausedEvent.class, ContextRestartedEvent.class })
        void on(ApplicationContextEvent event) {
            this.events.add(event.getClass().getSimpleName());
        }
    }
}
