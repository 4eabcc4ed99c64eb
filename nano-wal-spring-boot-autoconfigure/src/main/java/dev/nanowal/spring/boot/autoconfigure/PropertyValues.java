package dev.nanowal.spring.boot.autoconfigure;

import java.util.function.Consumer;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Hands a property's value to a builder that checks it, and reports a refusal as a failure of that property, so
 * start-up stops with a message naming the property, its value and the allowed range.
 */
public final class PropertyValues {

    private PropertyValues() {
    }

    /**
     * @throws InvalidConfigurationPropertyValueException when the value is missing or the setter refuses it with an
     *     {@link IllegalArgumentException}
     */
    public static <T> void set(String property, T value, Consumer<T> setter) {
        if (value == null) {
            throw new InvalidConfigurationPropertyValueException(property, null, "a value is required");
        }
        try {
            setter.accept(value);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidConfigurationPropertyValueException(property, value, ex.getMessage());
        }
    }
}
