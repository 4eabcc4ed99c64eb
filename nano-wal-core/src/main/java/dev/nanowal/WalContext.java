package dev.nanowal;

/** What every part of one open WAL shares. */
record WalContext(WalDirectory directory, WalOptions options, Storage storage, OpenFiles openFiles, WalEvents events) {
}
