package dev.nanowal.sample.accounts;

/**
 * An event the account's current state refuses (a withdrawal over the balance, a deposit into an account never
 * opened, a second opening): HTTP 422. Nothing was appended.
 */
public class AccountRuleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    AccountRuleException(String message) {
        super(message);
    }
}
