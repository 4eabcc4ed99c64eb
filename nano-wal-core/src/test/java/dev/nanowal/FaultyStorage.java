package dev.nanowal;

import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Storage} that fails chosen operations the way a full or failing disk does: {@code ENOSPC} ("No space
 * left on device") or {@code EIO} ("Input/output error"), until {@link #heal()}. A failing write may first
 * write part of its bytes (as a real short write before ENOSPC does). Test-only.
 */
final class FaultyStorage extends Storage implements FaultyChannel.Hooks {

    /** The operations that can be made to fail. */
    enum Op {
        WRITE, FORCE, TRUNCATE, CREATE, MOVE, DELETE, FSYNC_DIRECTORY, OPEN, CREATE_DIRECTORY, LIST, READ, LOCK
    }

    /** The two errors a disk gives. */
    enum Fault {
        ENOSPC("No space left on device"), EIO("Input/output error");

        final String message;

        Fault(String message) {
            this.message = message;
        }
    }

    private volatile Set<Op> failing = EnumSet.noneOf(Op.class);
    private volatile Fault fault = Fault.ENOSPC;
    private volatile boolean partialWrites;
    private volatile String onlyNamesContaining;
    private final AtomicInteger injected = new AtomicInteger();

    /** Makes {@code ops} fail with {@code kind} until healed. */
    FaultyStorage fail(Fault kind, Op... ops) {
        this.fault = kind;
        this.failing = ops.length == 0 ? EnumSet.noneOf(Op.class) : EnumSet.of(ops[0], ops);
        return this;
    }

    /** Whether a failing write first writes half of its bytes (a short write). */
    FaultyStorage partialWrites(boolean partial) {
        this.partialWrites = partial;
        return this;
    }

    /** Only files whose name contains this fail (null: every file). */
    FaultyStorage onlyFor(String nameFragment) {
        this.onlyNamesContaining = nameFragment;
        return this;
    }

    void heal() {
        failing = EnumSet.noneOf(Op.class);
        onlyNamesContaining = null;
    }

    /** How many failures were injected so far. */
    int injected() {
        return injected.get();
    }

    private boolean hits(Op op, Path path) {
        String only = onlyNamesContaining;
        return failing.contains(op)
                && (only == null || (path != null && path.getFileName().toString().contains(only)));
    }

    private void check(Op op, Path path) throws IOException {
        if (hits(op, path)) {
            injected.incrementAndGet();
            throw new IOException(fault.message);
        }
    }

    private FileChannel wrap(FileChannel real, Path path) {
        return new FaultyChannel(real, path, this);
    }

    @Override
    public FileChannel openForWrite(Path path) throws IOException {
        check(Op.OPEN, path);
        return wrap(super.openForWrite(path), path);
    }

    @Override
    public FileChannel openForRead(Path path) throws IOException {
        return wrap(super.openForRead(path), path);
    }

    @Override
    public FileChannel createNew(Path path) throws IOException {
        check(Op.CREATE, path);
        return wrap(super.createNew(path), path);
    }

    @Override
    public void moveAtomically(Path from, Path to) throws IOException {
        check(Op.MOVE, to);
        super.moveAtomically(from, to);
    }

    @Override
    public void delete(Path path) throws IOException {
        check(Op.DELETE, path);
        super.delete(path);
    }

    @Override
    public void fsyncDirectory(Path directory) throws IOException {
        check(Op.FSYNC_DIRECTORY, null);
        super.fsyncDirectory(directory);
    }

    @Override
    public void createDirectory(Path path) throws IOException {
        check(Op.CREATE_DIRECTORY, path);
        super.createDirectory(path);
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        check(Op.LIST, null);
        return super.list(directory);
    }

    @Override
    public byte[] readAll(Path path) throws IOException {
        check(Op.READ, path);
        return super.readAll(path);
    }

    @Override
    public FileLock tryLock(Path lockFile) throws IOException {
        check(Op.LOCK, lockFile);
        return super.tryLock(lockFile);
    }

    @Override
    public int write(Path path, FileChannel real, ByteBuffer src, long position) throws IOException {
        if (partialWrites && hits(Op.WRITE, path) && src.remaining() > 1) {
            ByteBuffer half = src.duplicate();
            half.limit(half.position() + src.remaining() / 2);
            real.write(half, position);
        }
        check(Op.WRITE, path);
        return real.write(src, position);
    }

    @Override
    public void force(Path path, FileChannel real, boolean metaData) throws IOException {
        check(Op.FORCE, path);
        real.force(metaData);
    }

    @Override
    public void truncate(Path path, FileChannel real, long size) throws IOException {
        check(Op.TRUNCATE, path);
        real.truncate(size);
    }
}
