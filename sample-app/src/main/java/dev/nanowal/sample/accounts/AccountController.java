package dev.nanowal.sample.accounts;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Event-sourced accounts: append events, rebuild the account by replay, read one event by reference. The account's
 * version is its {@code ETag}; an append with {@code If-Match} is refused (409) unless the account is still at that
 * version.
 */
@RestController
@RequestMapping("/accounts/{accountId}")
class AccountController {

    private final AccountEventStore store;

    AccountController(AccountEventStore store) {
        this.store = store;
    }

    @PostMapping("/events")
    ResponseEntity<StoredEvent> append(@PathVariable String accountId, @RequestBody @Valid AccountEvent event,
            @RequestHeader(name = "If-Match", required = false) String ifMatch,
            @RequestHeader(name = "X-Correlation-Id", required = false) String correlationId,
            @RequestHeader(name = "X-Causation-Id", required = false) String causationId) {
        AccountEventStore.Appended appended = this.store.append(accountId, event, version(ifMatch), correlationId,
                causationId);
        return ResponseEntity.created(URI.create("/accounts/" + accountId + "/events/" + appended.stored().ref()))
            .eTag(Long.toString(appended.version()))
            .body(appended.stored());
    }

    @GetMapping
    ResponseEntity<Account> account(@PathVariable String accountId) {
        Account account = this.store.load(accountId);
        return ResponseEntity.ok().eTag(Long.toString(account.version())).body(account);
    }

    @GetMapping("/events")
    List<StoredEvent> history(@PathVariable String accountId) {
        return this.store.history(accountId);
    }

    @GetMapping("/events/{ref}")
    StoredEvent event(@PathVariable String accountId, @PathVariable String ref) {
        return this.store.read(accountId, ref);
    }

    /** The version an {@code If-Match} names: an ETag as {@link #account} gives it ({@code "3"}), quotes optional. */
    private static Long version(String ifMatch) {
        if (ifMatch == null) {
            return null;
        }
        String tag = ifMatch.strip();
        if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
            tag = tag.substring(1, tag.length() - 1);
        }
        try {
            long version = Long.parseLong(tag);
            if (version >= 0) {
                return version;
            }
        }
        catch (NumberFormatException ex) {
            // reported below, with the value
        }
        throw new IllegalArgumentException("If-Match must be one account version as its ETag gives it, such as "
                + "\"3\", was '" + ifMatch + "'");
    }
}
