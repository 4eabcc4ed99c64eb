package dev.nanowal.sample.accounts;

import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalRecord;
import dev.nanowal.sample.EntryRefs;
import dev.nanowal.sample.Names;
import dev.nanowal.sample.NotFoundException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Service;

/**
 * Event sourcing on nano-wal: one WAL key per account ({@code account-<id>}), the event as content and its
 * {@link EventMetadata} as header. Appends are durable: an event acknowledged to the caller is on disk.
 */
@Service
public class AccountEventStore {

    private final Wal wal;

    private final JsonMapper json;

    private final Clock clock;

    AccountEventStore(Wal wal, JsonMapper json, Clock clock) {
        this.wal = wal;
        this.json = json;
        this.clock = clock;
    }

    StoredEvent append(String accountId, AccountEvent event, String correlationId, String causationId) {
        EventMetadata metadata = new EventMetadata(UUID.randomUUID().toString(),
                (correlationId != null) ? correlationId : UUID.randomUUID().toString(), causationId,
                this.clock.instant());
        EntryRef ref = this.wal.logEntry(key(accountId), this.json.writeValueAsBytes(metadata),
                this.json.writeValueAsBytes(event));
        return new StoredEvent(EntryRefs.format(ref), metadata, event);
    }

    /** Replays every event of the account; the aggregate is never stored, only its events. */
    Account load(String accountId) {
        Account account = Account.empty(accountId);
        try (Stream<WalRecord> records = this.wal.enumerateEntries(key(accountId))) {
            for (Iterator<WalRecord> it = records.iterator(); it.hasNext();) {
                account = account.apply(event(it.next()).event());
            }
        }
        if (account.version() == 0) {
            throw new NotFoundException("Account '" + accountId + "' has no events");
        }
        return account;
    }

    List<StoredEvent> history(String accountId) {
        try (Stream<WalRecord> records = this.wal.enumerateEntries(key(accountId))) {
            return records.map(this::event).toList();
        }
    }

    /** Reads one event directly by its reference, checking it belongs to this account's key. */
    StoredEvent read(String accountId, String ref) {
        EntryRef entryRef = EntryRefs.parse(ref);
        if (entryRef.keyHash() != EntryRef.hashOf(key(accountId))) {
            throw new NotFoundException("Event " + ref + " is not an event of account '" + accountId + "'");
        }
        return event(this.wal.readRecordAt(entryRef));
    }

    private StoredEvent event(WalRecord record) {
        return new StoredEvent(EntryRefs.format(record.ref()),
                this.json.readValue(record.header(), EventMetadata.class),
                this.json.readValue(record.content(), AccountEvent.class));
    }

    private static String key(String accountId) {
        return "account-" + Names.check("account id", accountId);
    }
}
