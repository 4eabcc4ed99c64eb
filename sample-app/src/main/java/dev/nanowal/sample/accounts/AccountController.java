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

/** Event-sourced accounts: append events, rebuild the account by replay, read one event by reference. */
@RestController
@RequestMapping("/accounts/{accountId}")
class AccountController {

    private final AccountEventStore store;

    AccountController(AccountEventStore store) {
        this.store = store;
    }

    @PostMapping("/events")
    ResponseEntity<StoredEvent> append(@PathVariable String accountId, @RequestBody @Valid AccountEvent event,
            @RequestHeader(name = "X-Correlation-Id", required = false) String correlationId,
            @RequestHeader(name = "X-Causation-Id", required = false) String causationId) {
        StoredEvent stored = this.store.append(accountId, event, correlationId, causationId);
        return ResponseEntity.created(URI.create("/accounts/" + accountId + "/events/" + stored.ref())).body(stored);
    }

    @GetMapping
    Account account(@PathVariable String accountId) {
        return this.store.load(accountId);
    }

    @GetMapping("/events")
    List<StoredEvent> history(@PathVariable String accountId) {
        return this.store.history(accountId);
    }

    @GetMapping("/events/{ref}")
    StoredEvent event(@PathVariable String accountId, @PathVariable String ref) {
        return this.store.read(accountId, ref);
    }
}
