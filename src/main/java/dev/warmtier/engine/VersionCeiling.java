package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The durable version ceiling of one store, in the file {@code version-ceiling} (layout in
 * {@link VersionCeilingLayout}): a number that no version ever handed out exceeds, forced to disk
 * before any version above the previous ceiling is handed out.
 *
 * <p>Why it exists: in {@code none} and {@code interval} mode a power loss can drop the pages of
 * the newest slots, writes that were acknowledged. The highest version left in the slots is then
 * below versions clients hold as ETags, and counting on from it would hand one of them out again,
 * so that an {@code If-Match} of a lost write could match another memory. Recovery by scan counts
 * on from this ceiling instead.
 *
 * <p>Versions are reserved in blocks, so the ceiling is raised (one positioned write and one
 * {@code force}) once per {@link #BLOCK} versions and a write almost always just reads it. The
 * cost is that a crash makes versions jump by up to one block; they never repeat. A clean close
 * records the exact last version, so a clean restart does not jump.
 *
 * <p>Threads: every writer calls {@link #cover}, almost always one volatile read; raises serialize
 * on {@link #raiseLock} and do their I/O on the store's {@link FileIo} thread; the opening and
 * closing threads open and close it.
 */
final class VersionCeiling implements AutoCloseable {

    static final String FILE_NAME = "version-ceiling";

    /**
     * Versions reserved by one raise. Larger means fewer forces (one per this many writes) but a
     * larger jump after a crash; a long holds 9.2e12 such jumps, so the jump never exhausts versions.
     */
    static final long BLOCK = 1_000_000;

    /** What open found on disk. */
    enum Found {
        /** No file (a new store, or one made before this file existed); it was created with ceiling 0. */
        NONE,
        /** At least one record was whole; the ceiling is the newest whole one's. */
        INTACT,
        /**
         * Both records fail their checksum: the ceiling is unknown. Only a crash can tear a record,
         * and it tears only the one being written, so this is damage from outside, not a crash.
         */
        DAMAGED
    }

    private final Path path;
    private final FileChannel channel;
    /** Where raises write and force the channel, out of reach of a caller's interrupt. */
    private final FileIo io;
    /** Forces each record a raise writes. */
    private final Forcer forcer;
    private final long block;
    private final Found found;
    private final long foundCeiling;

    /**
     * Serializes raises: the choice of record to overwrite, its write and force, and the update of
     * {@link #sequence}, {@link #newest} and {@link #durable}. Only a writer whose version is above
     * the durable ceiling takes it, so once per block; writers that arrive while a raise is under
     * way wait for it here and then find their version covered.
     */
    private final ReentrantLock raiseLock = new ReentrantLock();
    /**
     * The ceiling on disk: every version at or below it may be handed out. Written under
     * {@link #raiseLock}, only after the force returned; read without a lock by every write. The
     * volatile write after the force and the volatile read before a version is used order them.
     */
    private volatile long durable;
    /** Sequence of the newest whole record; guarded by {@link #raiseLock}. */
    private long sequence;
    /** Index of the record holding the newest whole value, -1 when none does; guarded by {@link #raiseLock}. */
    private int newest;
    /** Raises done since open, each one write and one force; for tests and reports. */
    private final LongAdder raises = new LongAdder();

    private VersionCeiling(Path path, FileChannel channel, FileIo io, Forcer forcer, long block, Found found,
                           long ceiling, long sequence, int newest) {
        this.path = path;
        this.channel = channel;
        this.io = io;
        this.forcer = forcer;
        this.block = block;
        this.found = found;
        this.foundCeiling = ceiling;
        this.durable = ceiling;
        this.sequence = sequence;
        this.newest = newest;
    }

    /**
     * Opens the ceiling file of {@code dir}, creating it (ceiling 0) when absent. A damaged file is
     * opened too, reporting {@link Found#DAMAGED} with ceiling 0: whether that is safe is the
     * caller's decision (it is, when a clean-shutdown snapshot gives the exact last version).
     *
     * @param block versions reserved per raise; {@link #BLOCK} in production
     * @throws StoreFormatException when a whole record has a format this build does not read
     */
    static VersionCeiling open(Path dir, long block, FileIo io, Forcer forcer) {
        if (block < 1) {
            throw new IllegalArgumentException("block must be at least 1, was " + block);
        }
        Path path = dir.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            Path tmp = dir.resolve(FILE_NAME + ".tmp");
            Files.deleteIfExists(tmp);
            boolean fresh = !Files.exists(path);
            if (fresh) {
                create(tmp, path, forcer);
            }
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long bestSequence = -1;
            long bestCeiling = 0;
            int best = -1;
            for (int index = 0; index < VersionCeilingLayout.RECORDS; index++) {
                ByteBuffer record = readRecord(channel, index);
                if (!VersionCeilingLayout.isWhole(record)) {
                    continue;
                }
                if (VersionCeilingLayout.format(record) != VersionCeilingLayout.FORMAT_VERSION) {
                    throw new StoreFormatException(path + " has format version " + VersionCeilingLayout.format(record)
                            + "; this build reads version " + VersionCeilingLayout.FORMAT_VERSION);
                }
                if (VersionCeilingLayout.sequence(record) > bestSequence) {
                    bestSequence = VersionCeilingLayout.sequence(record);
                    bestCeiling = VersionCeilingLayout.ceiling(record);
                    best = index;
                }
            }
            Found found = best < 0 ? Found.DAMAGED : fresh ? Found.NONE : Found.INTACT;
            return new VersionCeiling(path, channel, io, forcer, block, found, bestCeiling, Math.max(bestSequence, 0),
                    best);
        } catch (IOException e) {
            StoreDirectory.closeQuietly(channel);
            throw HeaderedFile.openFailure(path, e);
        } catch (RuntimeException e) {
            StoreDirectory.closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Makes a new file whole before it gets its name: both records (sequences 1 and 0, ceiling 0)
     * are written and forced in a temporary file, renamed over, and the directory forced. A crash
     * leaves either no file or a whole one, never an empty one that would read as damaged.
     */
    private static void create(Path tmp, Path path, Forcer forcer) throws IOException {
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(channel, VersionCeilingLayout.encode(1, 0), VersionCeilingLayout.recordOffset(0));
            writeFully(channel, VersionCeilingLayout.encode(0, 0), VersionCeilingLayout.recordOffset(1));
            forcer.forceFile(tmp, channel, true);
        }
        StoreDirectory.rename(tmp, path, forcer);
    }

    /** What open found: no file, a whole record, or none whole. */
    Found found() {
        return found;
    }

    /** The ceiling open read (0 when {@link #found()} is not {@link Found#INTACT}). */
    long foundCeiling() {
        return foundCeiling;
    }

    /** The ceiling on disk now: versions up to it may be handed out without a raise. */
    long durable() {
        return durable;
    }

    long block() {
        return block;
    }

    /** Raises done since open. */
    long raises() {
        return raises.sum();
    }

    /**
     * Returns once {@code version} is at or below the ceiling on disk, raising the ceiling first
     * when it is not. Call it with a version taken but not yet used: written into a slot, stored,
     * returned. The common path is one volatile read; a raise writes and forces one record, by
     * whole blocks, so the ceiling stays a multiple of the block and is raised once per block.
     *
     * @throws UncheckedIOException when the raise could not be written or forced; the ceiling on
     *                              disk is then unchanged (the other record still holds it), and
     *                              the version must not be used
     */
    void cover(long version) {
        if (version <= durable) {
            return;
        }
        raiseLock.lock();
        try {
            long current = durable;
            if (version <= current) {
                return; // another writer raised it while this one waited for the lock
            }
            long blocks = (version - current + block - 1) / block;
            write(Math.addExact(current, Math.multiplyExact(blocks, block)));
        } finally {
            raiseLock.unlock();
        }
    }

    /**
     * Runs {@code action} holding the raise lock, so that writers crossing the ceiling meanwhile
     * line up behind it: tests use it to make several writers cross one boundary at once.
     */
    void whileRaisesHeld(Runnable action) {
        raiseLock.lock();
        try {
            action.run();
        } finally {
            raiseLock.unlock();
        }
    }

    /** Writers waiting for the raise lock now (an estimate while they come and go). */
    int waitingToRaise() {
        return raiseLock.getQueueLength();
    }

    /**
     * Overwrites the record not holding the newest value, forces it (on the {@link FileIo} thread,
     * so an interrupted writer cannot close the channel), then publishes the value.
     */
    private void write(long ceiling) {
        assert raiseLock.isHeldByCurrentThread();
        int target = newest == 0 ? 1 : 0;
        long next = sequence + 1;
        try {
            io.call(() -> {
                writeFully(channel, VersionCeilingLayout.encode(next, ceiling), VersionCeilingLayout.recordOffset(target));
                forcer.forceFile(path, channel, false);
                return null;
            });
        } catch (IOException e) {
            throw InsufficientStorageException.orUnchecked(e, "no room to raise the version ceiling in " + path,
                    "cannot raise the version ceiling in " + path + " to " + ceiling);
        }
        sequence = next;
        newest = target;
        raises.increment();
        durable = ceiling;
    }

    @Override
    public void close() {
        StoreDirectory.closeQuietly(channel);
    }

    private static ByteBuffer readRecord(FileChannel channel, int index) throws IOException {
        ByteBuffer record = ByteBuffer.allocate(VersionCeilingLayout.RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long at = VersionCeilingLayout.recordOffset(index);
        while (record.hasRemaining()) {
            if (channel.read(record, at + record.position()) < 0) {
                break;
            }
        }
        // A record cut short by the end of the file keeps its zeros and fails its checksum.
        return record.clear();
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long at) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes, at + bytes.position());
        }
    }
}
