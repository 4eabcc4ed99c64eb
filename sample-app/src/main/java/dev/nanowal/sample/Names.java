package dev.nanowal.sample;

import java.util.regex.Pattern;

/**
 * Checks the names that become parts of WAL keys (account ids, topics, consumers, event types). Starting with a
 * letter or digit keeps them clear of the reserved keys, which start with {@code _}.
 */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private Names() {
    }

    /**
     * @throws IllegalArgumentException when the name is not 1 to 64 letters, digits, '.', '_' or '-'
     */
    public static String check(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 64 letters, digits, '.', '_' or '-' starting with a"
                    + " letter or digit, was '" + name + "'");
        }
        return name;
    }
}
