package dev.nanowal;

import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A {@link Storage} whose channels, opened for writing or created, hand their writes, forces and truncates to
 * {@link FaultyChannel.Hooks}: the seam for a test that slows or pauses the disk. Test-only.
 */
class HookedStorage extends Storage {

    private final FaultyChannel.Hooks hooks;

    HookedStorage(FaultyChannel.Hooks hooks) {
        this.hooks = hooks;
    }

    @Override
    public FileChannel openForWrite(Path path) throws IOException {
        return new FaultyChannel(super.openForWrite(path), path, hooks);
    }

    @Override
    public FileChannel createNew(Path path) throws IOException {
        return new FaultyChannel(super.createNew(path), path, hooks);
    }
}
