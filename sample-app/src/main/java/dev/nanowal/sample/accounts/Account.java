package dev.nanowal.sample.accounts;

import java.math.BigDecimal;

/**
 * The account aggregate, rebuilt by folding its events in order; never stored itself.
 *
 * @param id the account id
 * @param owner its owner, once opened
 * @param balance deposits less withdrawals
 * @param version how many events were applied
 */
public record Account(String id, String owner, BigDecimal balance, long version) {

    static Account empty(String id) {
        return new Account(id, null, BigDecimal.ZERO, 0);
    }

    /**
     * The business rules: an account is opened once, before anything else, and never goes below zero.
     *
     * @throws AccountRuleException when {@code event} may not follow this state
     */
    void check(AccountEvent event) {
        boolean open = this.owner != null;
        switch (event.type()) {
            case AccountEvent.OPENED -> {
                if (open) {
                    throw new AccountRuleException("Account '" + this.id + "' is open already (owner " + this.owner
                            + "); it cannot be opened twice");
                }
            }
            case AccountEvent.DEPOSITED, AccountEvent.WITHDRAWN -> {
                if (!open) {
                    throw new AccountRuleException("Account '" + this.id + "' is not open: post "
                            + AccountEvent.OPENED + " first");
                }
                if (event.type().equals(AccountEvent.WITHDRAWN) && this.balance.compareTo(event.amount()) < 0) {
                    throw new AccountRuleException("Account '" + this.id + "' has a balance of "
                            + this.balance.toPlainString() + ", less than the withdrawal of "
                            + event.amount().toPlainString());
                }
            }
            default -> throw new IllegalStateException("Unknown event type " + event.type());
        }
    }

    Account apply(AccountEvent event) {
        return switch (event.type()) {
            case AccountEvent.OPENED -> new Account(this.id, event.owner(), this.balance, this.version + 1);
            case AccountEvent.DEPOSITED -> new Account(this.id, this.owner, this.balance.add(event.amount()),
                    this.version + 1);
            case AccountEvent.WITHDRAWN -> new Account(this.id, this.owner, this.balance.subtract(event.amount()),
                    this.version + 1);
            default -> throw new IllegalStateException("Unknown event type " + event.type());
        };
    }
}
