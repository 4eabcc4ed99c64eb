package dev.nanowal;

import dev.nanowal.internal.format.SegmentNames;
import dev.nanowal.internal.io.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A {@link Storage} that numbers every mutating step (write, force, truncate, create, rename, link, delete,
 * directory fsync) and keeps a shadow of what a power failure would leave: each file's bytes as of its last
 * force (one inode behind every hard link to it), each directory's names as of its last fsync, and a directory
 * created through it only once its parent was fsynced. At a chosen step it "crashes": it materialises that
 * state of the WAL's directory, and of every directory registered with {@link #alsoCrash}, into other
 * directories (before the step runs) and fails every later call. It can also run out of space first
 * ({@link #fullFrom}): from a chosen step on, writes (or fsyncs) fail with ENOSPC, so that a power loss meets
 * what a full disk left. Test-only.
 */
final class CrashStorage extends Storage {

    /** What a crash leaves behind. */
    enum Mode {
        /** Power loss: only what was forced, under the names the directory had at its last fsync. */
        POWER_LOSS,
        /** Power loss, but the page cache wrote back part of each file's unsynced tail first. */
        TORN_WRITEBACK,
        /**
         * Power loss after the page cache wrote back the unsynced tail out of order: a later sector of it reached
         * the disk, an earlier one did not (zeros), as POSIX allows. Files without an unsynced tail of two sectors
         * or more are left as {@link #POWER_LOSS} leaves them.
         */
        OUT_OF_ORDER_WRITEBACK,
        /** Process crash (SIGKILL): everything handed to the OS is kept. */
        PROCESS_CRASH
    }

    /** The unit a disk writes back in: the out-of-order mode drops one of them. */
    private static final int SECTOR = 512;

    /** One file as the disk holds it. */
    private static final class Inode {
        byte[] durable = new byte[0];
    }

    private final Path directory;
    /** Every file by its absolute path. */
    private final Map<Path, Inode> names = new HashMap<>();
    private final Map<Path, Inode> durableNames = new HashMap<>();
    /** The directories whose crash state is materialised, and where it goes. */
    private final Map<Path, Path> crashCopies = new HashMap<>();
    private final Set<Path> createdDirectories = new HashSet<>();
    private final Set<Path> durableDirectories = new HashSet<>();
    private boolean refuseLinks;
    /** The step from which the disk is full (0: never), and whether its fsyncs fail rather than its writes. */
    private int fullFrom;
    private boolean fsyncsFail;
    private final List<String> steps = new ArrayList<>();
    private final int crashAt;
    private final Mode mode;
    private final Path crashDirectory;
    private final Runnable onCrash;
    private boolean crashed;

    /**
     * @param directory the WAL directory this storage serves (files already there count as durable)
     * @param crashAt the step before which to crash (1-based), or 0 never to crash
     * @param onCrash runs at the crash, after the state is materialised (to capture the oracle)
     */
    CrashStorage(Path directory, int crashAt, Mode mode, Path crashDirectory, Runnable onCrash) {
        this.directory = key(directory);
        this.crashAt = crashAt;
        this.mode = mode;
        this.crashDirectory = crashDirectory;
        this.onCrash = onCrash;
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Inode inode = new Inode();
                inode.durable = Files.readAllBytes(file);
                names.put(key(file), inode);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        durableNames.putAll(names);
        crashCopies.put(this.directory, crashDirectory);
    }

    /** Also materialises {@code other} (a directory the WAL creates, such as a backup's) into {@code crashCopy}. */
    CrashStorage alsoCrash(Path other, Path crashCopy) {
        crashCopies.put(key(other), crashCopy);
        return this;
    }

    /** Makes every hard link fail as across file systems, so that the caller copies instead. */
    CrashStorage refusingLinks() {
        refuseLinks = true;
        return this;
    }

    /**
     * Fills the disk up at step {@code step}: from then on every write writes half of its bytes and fails with
     * ENOSPC (a short write, then the error), or, when {@code fsyncs}, every write succeeds and every fsync
     * fails with ENOSPC, making nothing durable (delayed allocation finding no space at writeback).
     */
    CrashStorage fullFrom(int step, boolean fsyncs) {
        fullFrom = step;
        fsyncsFail = fsyncs;
        return this;
    }

    /** The power fails now, if it did not already at the chosen step: materialises what it leaves. */
    synchronized void crashNow() throws IOException {
        if (!crashed) {
            crashed = true;
            materialize();
            onCrash.run();
        }
    }

    private synchronized boolean full() {
        return fullFrom > 0 && steps.size() >= fullFrom;
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }

    /** The steps taken so far, described. */
    List<String> steps() {
        return steps;
    }

    boolean crashed() {
        return crashed;
    }

    /**
     * Opens the WAL in {@code dir} through this storage and runs {@code scenario} on it until it ends or the
     * machine goes down; a failure without a crash fails the test.
     *
     * @param where the crash point, for the message
     */
    void runUntilCrash(Path dir, WalOptions options, Consumer<Wal> scenario, String where) {
        Wal wal = null;
        try {
            wal = Wal.open(dir, options, this);
            scenario.accept(wal);
        } catch (RuntimeException e) {
            if (!crashed()) {
                throw new AssertionError("the scenario failed without a crash at " + where, e);
            }
        } finally {
            if (wal != null) {
                try {
                    wal.close();
                } catch (RuntimeException ignored) {
                    // the machine is down
                }
            }
        }
    }

    private synchronized void step(String description) throws IOException {
        if (crashed) {
            throw new IOException("simulated crash: the machine is down");
        }
        if (steps.size() + 1 == crashAt) {
            crashed = true;
            materialize();
            onCrash.run();
            throw new IOException("simulated crash before step " + crashAt + ": " + description);
        }
        steps.add(description);
    }

    private Inode inode(Path path) throws IOException {
        Path name = key(path);
        Inode inode = names.get(name);
        if (inode == null) {
            // a file created outside this storage (the lock file): count it as durable as it is
            inode = new Inode();
            if (!Files.exists(path)) {
                return inode;
            }
            inode.durable = Files.readAllBytes(path);
            names.put(name, inode);
            durableNames.putIfAbsent(name, inode);
        }
        return inode;
    }

    private void materialize() throws IOException {
        Files.createDirectories(crashDirectory);
        if (mode == Mode.PROCESS_CRASH) {
            for (Map.Entry<Path, Path> tracked : crashCopies.entrySet()) {
                if (!Files.isDirectory(tracked.getKey())) {
                    continue;
                }
                Files.createDirectories(tracked.getValue());
                try (Stream<Path> files = Files.list(tracked.getKey())) {
                    for (Path file : files.toList()) {
                        if (!file.getFileName().toString().equals(SegmentNames.LOCK_FILE)) {
                            Files.copy(file, tracked.getValue().resolve(file.getFileName()));
                        }
                    }
                }
            }
            return;
        }
        for (Path created : durableDirectories) {
            if (crashCopies.containsKey(created)) {
                Files.createDirectories(crashCopies.get(created));
            }
        }
        Random random = new Random(crashAt * 31L + mode.ordinal());
        for (Map.Entry<Path, Inode> entry : durableNames.entrySet()) {
            Path parent = entry.getKey().getParent();
            Path copy = crashCopies.get(parent);
            boolean present = parent.equals(directory) || durableDirectories.contains(parent);
            if (copy == null || !present || entry.getKey().getFileName().toString().equals(SegmentNames.LOCK_FILE)) {
                continue;
            }
            byte[] bytes = entry.getValue().durable;
            if (mode == Mode.TORN_WRITEBACK) {
                bytes = tornTail(entry.getValue(), bytes, random);
            } else if (mode == Mode.OUT_OF_ORDER_WRITEBACK) {
                bytes = outOfOrderTail(entry.getValue(), bytes, random);
            }
            Files.write(copy.resolve(entry.getKey().getFileName()), bytes);
        }
    }

    /** The durable bytes plus a random part of what the live file holds beyond them (page cache writeback). */
    private byte[] tornTail(Inode inode, byte[] durable, Random random) throws IOException {
        byte[] current = liveExtension(inode, durable);
        if (current == null) {
            return durable;
        }
        int extra = random.nextInt(current.length - durable.length + 1);
        return Arrays.copyOf(current, durable.length + extra);
    }

    /**
     * The live file with one sector of its unsynced tail, before the tail's last sector, left as zeros: the
     * sectors after it were written back, it was not.
     */
    private byte[] outOfOrderTail(Inode inode, byte[] durable, Random random) throws IOException {
        byte[] current = liveExtension(inode, durable);
        if (current == null) {
            return durable;
        }
        int firstSector = durable.length / SECTOR;
        int lastSector = (current.length - 1) / SECTOR;
        if (lastSector <= firstSector) {
            return durable;
        }
        int dropped = firstSector + random.nextInt(lastSector - firstSector);
        Arrays.fill(current, Math.max(durable.length, dropped * SECTOR), (dropped + 1) * SECTOR, (byte) 0);
        return current;
    }

    /** What the live file holds when it extends the durable bytes (not rewritten below them), or null. */
    private byte[] liveExtension(Inode inode, byte[] durable) throws IOException {
        for (Map.Entry<Path, Inode> live : names.entrySet()) {
            if (live.getValue() == inode) {
                byte[] current = Files.readAllBytes(live.getKey());
                if (current.length > durable.length
                        && Arrays.equals(current, 0, durable.length, durable, 0, durable.length)) {
                    return current;
                }
            }
        }
        return null;
    }

    /** The channel's file stays the same inode whatever it is renamed to later. */
    private FileChannel wrap(FileChannel real, Path path, Inode inode) {
        return new FaultyChannel(real, path, new FaultyChannel.Hooks() {
            @Override
            public int write(Path p, FileChannel channel, ByteBuffer src, long position) throws IOException {
                step("write " + src.remaining() + " bytes at " + position + " of " + p.getFileName());
                if (full() && !fsyncsFail) {
                    ByteBuffer half = src.duplicate();
                    half.limit(half.position() + half.remaining() / 2);
                    channel.write(half, position);
                    throw new IOException("No space left on device");
                }
                return channel.write(src, position);
            }

            @Override
            public void force(Path p, FileChannel channel, boolean metaData) throws IOException {
                step("force " + p.getFileName());
                if (full() && fsyncsFail) {
                    throw new IOException("No space left on device");
                }
                channel.force(metaData);
                ByteBuffer all = ByteBuffer.allocate((int) channel.size());
                while (all.hasRemaining() && channel.read(all, all.position()) >= 0) {
                    // reads the whole file
                }
                inode.durable = Arrays.copyOf(all.array(), all.position());
            }

            @Override
            public void truncate(Path p, FileChannel channel, long size) throws IOException {
                step("truncate " + p.getFileName() + " to " + size);
                channel.truncate(size);
            }
        });
    }

    @Override
    public FileChannel openForWrite(Path path) throws IOException {
        if (crashed) {
            throw new IOException("simulated crash: the machine is down");
        }
        Inode inode = inode(path);
        return wrap(super.openForWrite(path), path, inode);
    }

    @Override
    public FileChannel openForRead(Path path) throws IOException {
        return wrap(super.openForRead(path), path, inode(path));
    }

    @Override
    public FileChannel createNew(Path path) throws IOException {
        step("create " + path.getFileName());
        FileChannel channel = super.createNew(path);
        Inode inode = new Inode();
        names.put(key(path), inode);
        return wrap(channel, path, inode);
    }

    @Override
    public void moveAtomically(Path from, Path to) throws IOException {
        step("rename " + from.getFileName() + " -> " + to.getFileName());
        Inode inode = inode(from);
        super.moveAtomically(from, to);
        names.remove(key(from));
        names.put(key(to), inode);
    }

    @Override
    public void link(Path existing, Path link) throws IOException {
        if (refuseLinks) {
            throw new IOException(link + " -> " + existing + ": Invalid cross-device link");
        }
        step("link " + link.getFileName() + " -> " + existing.getFileName());
        Inode inode = inode(existing);
        super.link(existing, link);
        names.put(key(link), inode);
    }

    @Override
    public void delete(Path path) throws IOException {
        step("delete " + path.getFileName());
        super.delete(path);
        names.remove(key(path));
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        step("fsync directory " + dir.getFileName());
        super.fsyncDirectory(dir);
        Path fsynced = key(dir);
        durableNames.keySet().removeIf(name -> name.getParent().equals(fsynced));
        names.forEach((name, inode) -> {
            if (name.getParent().equals(fsynced)) {
                durableNames.put(name, inode);
            }
        });
        for (Path created : createdDirectories) {
            if (created.getParent().equals(fsynced)) {
                durableDirectories.add(created);
            }
        }
    }

    @Override
    public void createDirectory(Path path) throws IOException {
        step("create directory " + path.getFileName());
        super.createDirectory(path);
        createdDirectories.add(key(path));
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        failIfCrashed();
        return super.list(dir);
    }

    @Override
    public byte[] readAll(Path path) throws IOException {
        failIfCrashed();
        return super.readAll(path);
    }

    @Override
    public FileLock tryLock(Path lockFile) throws IOException {
        failIfCrashed();
        return super.tryLock(lockFile);
    }

    private synchronized void failIfCrashed() throws IOException {
        if (crashed) {
            throw new IOException("simulated crash: the machine is down");
        }
    }
}
