package dev.nanowal.sample;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class SamplePropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
        .withUserConfiguration(Properties.class);

    @Test
    void fourPartitionsByDefault() {
        this.runner.run((context) -> assertThat(context.getBean(SampleProperties.class).messaging().partitions())
            .isEqualTo(4));
    }

    @Test
    void aPartitionCountOutOfRangeFailsNamingTheProperty() {
        this.runner.withPropertyValues("sample.messaging.partitions=0")
            .run((context) -> assertThat(context).getFailure()
                .rootCause()
                .hasMessageContaining("sample.messaging.partitions")
                .hasMessageContaining("must be greater than or equal to 1"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SampleProperties.class)
    static class Properties {

    }
}
