package dev.nanowal.internal.engine;

import dev.nanowal.WalOptions;
import dev.nanowal.internal.io.Storage;

/** What every part of one open WAL shares. */
record WalContext(WalDirectory directory, WalOptions options, Storage storage, OpenFiles openFiles, WalEvents events,
        DurableExtents extents, Quarantine quarantine, BackgroundSyncs backgroundSyncs) {
}
