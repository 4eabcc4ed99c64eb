package dev.nanowal.sample.accounts;

import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import dev.nanowal.EntryRef;
import dev.nanowal.Wal;
import dev.nanowal.WalConflictException;
import dev.nanowal.WalRecord;
import dev.nanowal.sample.EntryRefs;
import dev.nanowal.sample.Names;
import dev.nanowal.sample.NotFoundException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Service;

/**
 * Event sourcing on nano-wal: one WAL key per account ({@code account-<id>}), the event as content and its
 * {@link EventMetadata} as header. Appends are durable: an event acknowledged to the caller is on disk.
 *
 * <p>An append replays the account, checks the event against the state it rebuilt ({@link Account#check}) and
 * appends with {@link Wal#appendEntryIf} expecting the last event it replayed: when another request appended in
 * between, the rules were checked against a stale state, so nothing is written and the caller gets a
 * {@link VersionConflictException}. No lock is held between the read and the append.
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

    /**
     * Appends {@code event} if the account's rules allow it and, when {@code expectedVersion} is given, only if the
     * account is at that version.
     *
     * @param expectedVersion the version the caller decided on ({@code If-Match}), or null for the current one
     * @throws VersionConflictException when the account is at another version, or another append came first
     * @throws AccountRuleException when the account's state refuses the event
     */
    Appended append(String accountId, AccountEvent event, Long expectedVersion, String correlationId,
            String causationId) {
        String key = key(accountId);
        Replayed current = replay(accountId, key);
        long version = current.account().version();
        if (expectedVersion != null && expectedVersion != version) {
            throw new VersionConflictException("Account '" + accountId + "' is at version " + version + ", not "
                    + expectedVersion + " as If-Match expects; read it again");
        }
        current.account().check(event);
        EventMetadata metadata = new EventMetadata(UUID.randomUUID().toString(),
                (correlationId != null) ? correlationId : UUID.randomUUID().toString(), causationId,
                this.clock.instant());
        EntryRef ref;
        try {
            ref = this.wal.appendEntryIf(key, current.last(), this.json.writeValueAsBytes(metadata),
                    this.json.writeValueAsBytes(event), true);
        }
        catch (WalConflictException ex) {
            throw new VersionConflictException("Account '" + accountId + "' changed while this request was handled: "
                    + "another event was appended after version " + version + "; read it again and retry");
        }
        return new Appended(new StoredEvent(EntryRefs.format(ref), metadata, event), version + 1);
    }

    /** Replays every event of the account; the aggregate is never stored, only its events. */
    Account load(String accountId) {
        Account account = replay(accountId, key(accountId)).account();
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

    private Replayed replay(String accountId, String key) {
        Account account = Account.empty(accountId);
        EntryRef last = null;
        try (Stream<WalRecord> records = this.wal.enumerateEntries(key)) {
            for (Iterator<WalRecord> it = records.iterator(); it.hasNext();) {
                WalRecord record = it.next();
                account = account.apply(event(record).event());
                last = record.ref();
            }
        }
        return new Replayed(account, last);
    }

    private StoredEvent event(WalRecord record) {
        return new StoredEvent(EntryRefs.format(record.ref()),
                this.json.readValue(record.header(), EventMetadata.class),
                this.json.readValue(record.content(), AccountEvent.class));
    }

    private static String key(String accountId) {
        return "account-" + Names.check("account id", accountId);
    }

    /**
     * @param account the account as its events rebuild it
     * @param last the newest of those events, null when it has none
     */
    private record Replayed(Account account, EntryRef last) {
    }

    /**
     * @param stored the event as appended
     * @param version the account's version with it
     */
    record Appended(StoredEvent stored, long version) {
    }
}
