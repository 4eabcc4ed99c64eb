package dev.nanowal.spring.boot.test;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.nanowal.Wal;
import dev.nanowal.WalLockedException;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * What a new user's suite does without {@link AutoConfigureTempWal}: two plain {@code @SpringBootTest} classes
 * whose configurations differ by one property, on one directory (the default one, here a temporary stand-in). The
 * second context cannot open the directory the first, cached, still holds, and the failure report says what to
 * add. The two classes run in a JUnit launcher of their own, so this test can look at how they ended.
 */
@ExtendWith(OutputCaptureExtension.class)
class PlainTestSuiteTests {

    @TempDir
    static Path sharedDirectory;

    @Test
    void theSecondContextFailsWithAnActionNamingTheAnnotation(CapturedOutput output) {
        Map<String, TestExecutionResult> results = new ConcurrentHashMap<>();
        LauncherFactory.create()
            .execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(FirstPlainTests.class), selectClass(SecondPlainTests.class),
                        selectClass(FirstPlainTestsAgain.class))
                .configurationParameter("junit.jupiter.testclass.order.default",
                        ClassOrderer.OrderAnnotation.class.getName())
                .build(), new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier identifier, TestExecutionResult result) {
                        if (identifier.isTest()) {
                            results.put(identifier.getUniqueId().replaceAll(".*\\$([A-Za-z]+)\\].*", "$1"), result);
                        }
                    }
                });

        assertThat(results).containsOnlyKeys("FirstPlainTests", "SecondPlainTests", "FirstPlainTestsAgain");
        assertThat(results.get("FirstPlainTests").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        assertThat(results.get("FirstPlainTestsAgain").getStatus()).isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
        TestExecutionResult second = results.get("SecondPlainTests");
        assertThat(second.getStatus()).isEqualTo(TestExecutionResult.Status.FAILED);
        assertThat(second.getThrowable()).get().satisfies((failure) -> assertThat(failure)
            .hasRootCauseInstanceOf(WalLockedException.class));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("Action:")
            .contains("Annotate the test classes with @AutoConfigureTempWal")
            .contains("dev.nanowal:nano-wal-spring-boot-test");
    }

    /** A plain test class on the shared directory; its subclasses differ only by their configuration. */
    abstract static class PlainTests {

        @Autowired
        Wal wal;

        @DynamicPropertySource
        static void directory(DynamicPropertyRegistry registry) {
            registry.add("nanowal.directory", sharedDirectory::toString);
        }

        @Test
        void opens() {
            assertThat(this.wal.isOpen()).isTrue();
        }
    }

    @Order(1)
    @SpringBootTest(classes = TestApplication.class, properties = "nanowal.entry-retention=1h")
    static class FirstPlainTests extends PlainTests {

    }

    /** The first class's context again, from the cache; closed after it, so it does not outlive this test. */
    @Order(3)
    @DirtiesContext
    static class FirstPlainTestsAgain extends FirstPlainTests {

    }

    @Order(2)
    @SpringBootTest(classes = TestApplication.class, properties = "nanowal.entry-retention=2h")
    static class SecondPlainTests extends PlainTests {

    }
}
