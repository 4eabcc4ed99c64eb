package dev.nanowal.spring.boot.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives the test's application context a temporary WAL directory of its own: {@code nanowal.directory} points to a
 * new directory under {@code java.io.tmpdir}, deleted with everything in it once the context has closed (and so its
 * WAL).
 *
 * <p>Without it, every cached test context opens the same directory, and the second one fails to start with a
 * {@code WalLockedException}: the test framework keeps the first context, and its WAL, open for later test
 * classes. Test classes with the same configuration share one context, and so one directory, as they share every
 * other bean. A context the test framework pauses (Spring Framework 7 stops the lifecycle beans of an idle cached
 * context) keeps its WAL and its directory, and works again when it is restarted.
 *
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureTempWal(settableClock = true)
 * class RetentionTests {
 *     @Autowired SettableClock clock;
 *     ...
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface AutoConfigureTempWal {

    /**
     * Whether to add a {@link SettableClock} bean, primary over any other {@code Clock}, so the WAL (and whatever
     * else uses the application's clock) reads a time the test sets: retention and compaction tests advance it
     * instead of waiting.
     *
     * @return whether to add the clock
     */
    boolean settableClock() default false;
}
