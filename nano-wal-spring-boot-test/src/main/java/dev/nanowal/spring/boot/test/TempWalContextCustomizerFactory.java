package dev.nanowal.spring.boot.test;

import java.util.List;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/** Applies {@link AutoConfigureTempWal} to the test classes that carry it (on the class or an enclosing one). */
final class TempWalContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
            List<ContextConfigurationAttributes> configAttributes) {
        AutoConfigureTempWal annotation = TestContextAnnotationUtils.findMergedAnnotation(testClass,
                AutoConfigureTempWal.class);
        return (annotation != null) ? new TempWalContextCustomizer(annotation.settableClock()) : null;
    }
}
