package dev.nanowal.sample.accounts;

import java.math.BigDecimal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import jakarta.validation.constraints.Size;

/**
 * A fact about an account, as stored in the WAL (the entry's content).
 *
 * @param type {@value #OPENED}, {@value #DEPOSITED} or {@value #WITHDRAWN}
 * @param owner the owner, for {@value #OPENED}
 * @param amount the positive amount, for {@value #DEPOSITED} and {@value #WITHDRAWN}
 */
@JsonInclude(Include.NON_NULL)
public record AccountEvent(String type, @Size(max = 256) String owner, BigDecimal amount) {

    public static final String OPENED = "AccountOpened";

    public static final String DEPOSITED = "MoneyDeposited";

    public static final String WITHDRAWN = "MoneyWithdrawn";

    public AccountEvent {
        if (type == null) {
            throw new IllegalArgumentException("type is required: " + OPENED + ", " + DEPOSITED + " or " + WITHDRAWN);
        }
        switch (type) {
            case OPENED -> {
                if (owner == null || owner.isBlank()) {
                    throw new IllegalArgumentException(OPENED + " needs an owner");
                }
            }
            case DEPOSITED, WITHDRAWN -> {
                if (amount == null || amount.signum() <= 0) {
                    throw new IllegalArgumentException(type + " needs a positive amount");
                }
            }
            default -> throw new IllegalArgumentException(
                    "type must be " + OPENED + ", " + DEPOSITED + " or " + WITHDRAWN + ", was '" + type + "'");
        }
    }
}
