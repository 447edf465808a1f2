package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The files of one open store, opened together and closed together: the directory lock, the I/O
 * thread, the current {@link Generation} (slot file and content log) and the version ceiling.
 *
 * <p>{@link #open} reads which generation is current, deletes the others (a half-made one, a
 * superseded one), and checks everything that can refuse the files (their formats, a content log
 * shorter than the records the slots vouch for, a header never completed that something depends
 * on) before anything is written, so a refused open leaves the data files as they were. It decides
 * whether the clean-shutdown mark can be trusted, deletes it before anything is written (a crash
 * from then on leaves no mark), maps the first chunk of each file and opens the version ceiling.
 * {@link StoreLoader} then loads the index. {@link #close} forces the files of the generation that
 * is current by then and writes the mark.
 *
 * <p>Threads: {@link #open} and {@link #close} run on the one thread opening or closing the store;
 * in between the fields are final and every operation reads them.
 */
final class StoreFiles {

    final Path dir;
    final FileIo io;
    /** The generation current at open; a compaction may make another one current later. */
    final Generation generation;
    final VersionCeiling ceiling;
    /** The clean-shutdown snapshot, when the mark was whole, untouched since and fits the files. */
    final Optional<CleanShutdown.Snapshot> snapshot;
    /** The slot file did not exist before this open: nothing to recover. */
    final boolean created;
    /** Generations deleted at open: left by a crash during a compaction or the cleanup after it. */
    final int generationsDeleted;
    private final DataDirLock lock;
    /** Forces the clean-shutdown mark at close. */
    private final Forcer forcer;

    private StoreFiles(Path dir, DataDirLock lock, Forcer forcer, FileIo io, Generation generation,
                       VersionCeiling ceiling, Optional<CleanShutdown.Snapshot> snapshot, int generationsDeleted) {
        this.dir = dir;
        this.forcer = forcer;
        this.lock = lock;
        this.io = io;
        this.generation = generation;
        this.ceiling = ceiling;
        this.snapshot = snapshot;
        this.created = generation.created;
        this.generationsDeleted = generationsDeleted;
    }

    /**
     * Opens (creating if needed) the files of the store in {@code dir}, reserving
     * {@code versionBlock} versions per raise of the ceiling.
     *
     * @throws StoreLockedException when another process holds the directory
     * @throws StoreFormatException when the files were made with another dimension, are not store
     *                              files, or are damaged in a way a scan would make worse
     */
    static StoreFiles open(Path dir, StoreOptions options, FileExtender extender, Clock clock, long versionBlock) {
        try {
            StoreDirectory.create(dir, options.forcer());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create store directory " + dir, e);
        }
        DataDirLock lock = DataDirLock.acquire(dir);
        FileIo io = new FileIo(String.valueOf(dir.getFileName()));
        Generation generation = null;
        VersionCeiling versionCeiling = null;
        try {
            long current = Generation.current(dir);
            Generation.requirePresent(dir, current);
            int deleted = Generation.deleteAllBut(dir, current, options.forcer());
            Optional<CleanShutdown.Snapshot> mark = CleanShutdown.read(dir);
            generation = Generation.open(dir, current, options, extender, io, clock.millis());
            Generation opened = generation;
            Optional<CleanShutdown.Snapshot> snapshot = mark.filter(s -> stampsMatch(opened, s) && fits(s, opened));
            if (snapshot.isEmpty()) {
                requireVouchedRecords(generation.slots, generation.content);
            }
            // Deleted before anything is written: a crash from here on leaves no mark.
            CleanShutdown.delete(dir, options.forcer());
            // The first chunk of each file (64 KiB by default), so the first writes grow nothing.
            generation.slots.ensure(0);
            generation.content.ensureCapacity(1);
            versionCeiling = VersionCeiling.open(dir, versionBlock, io, options.forcer());
            return new StoreFiles(dir, lock, options.forcer(), io, generation, versionCeiling, snapshot, deleted);
        } catch (RuntimeException e) {
            if (generation != null) {
                generation.closeAfterFailure(e);
            }
            closeAll(e, versionCeiling, io, lock);
            throw e;
        }
    }
    /**
     * Refuses a content log that ends before records that committed, checksum-valid slots vouch
     * for: it was cut short or replaced by an older copy, and a scan would discard every memory
     * whose record is missing, for good. Reads only.
     */
    private static void requireVouchedRecords(SlotFile slots, ContentLog log) {
        long end = 0;
        long beyond = 0;
        int slotSize = slots.slotSize();
        for (long slot = 0; slot < slots.capacity(); slot++) {
            ByteBuffer chunk = slots.chunkOf(slot);
            int base = slots.baseOf(slot);
            if (SlotLayout.stateVolatile(chunk, base) == SlotLayout.STATE_COMMITTED
                    && SlotLayout.storedChecksum(chunk, base) == SlotLayout.computeChecksum(chunk, base, slotSize)) {
                long recordEnd = SlotLayout.CONTENT_OFFSET.get(chunk, base) + SlotLayout.RECORD_LENGTH.get(chunk, base);
                end = Math.max(end, recordEnd);
                beyond += recordEnd > log.capacity() ? 1 : 0;
            }
        }
        if (beyond > 0) {
            throw new StoreFormatException(log.path() + " holds " + log.capacity() + " bytes of records, but "
                    + beyond + " committed slots of " + slots.path() + " reference records up to byte " + end
                    + ": the log was cut short or replaced by an older copy. Refusing to open the store (nothing"
                    + " was changed); restore the file from a backup");
        }
    }

    private static boolean fits(CleanShutdown.Snapshot snapshot, Generation generation) {
        return snapshot.nextSlot() <= generation.slots.capacity()
                && snapshot.contentTail() <= generation.content.capacity();
    }

    private static boolean stampsMatch(Generation generation, CleanShutdown.Snapshot snapshot) {
        try {
            return Arrays.equals(snapshot.fileStamps(), generation.stamps());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Closes the files once no operation is under way: stops the I/O thread, forces and closes
     * both files of {@code current} and, only when both closed without a failure, writes the
     * clean-shutdown mark (a snapshot of {@code index}) that vouches for them; then releases the
     * ceiling and the directory.
     */
    void close(Generation current, long nextSlot, long lastVersion, Map<String, IndexEntry> index) {
        // Nothing can need a growth or a raise any more; the I/O that is left runs on this thread.
        io.close();
        RuntimeException failure = null;
        try {
            current.close();
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure == null) {
            try {
                io.call(() -> {
                    CleanShutdown.write(dir, new CleanShutdown.Snapshot(current.slots.dimension(),
                            current.slots.slotSize(), nextSlot, current.content.tail(), lastVersion, current.stamps(),
                            new ArrayList<>(index.entrySet())), forcer);
                    return null;
                });
            } catch (IOException e) {
                failure = new UncheckedIOException("cannot close store " + dir, e);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        closeAll(failure == null ? new StoreException("closing " + dir) : failure, ceiling, lock);
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Closes everything after an open that failed once the files were open, or after a close whose
     * generation is {@code current}; failures join {@code failure}.
     */
    void closeAfterFailure(Generation current, RuntimeException failure) {
        current.closeAfterFailure(failure);
        closeAll(failure, ceiling, io, lock);
    }

    /** Closes each of {@code resources} that is not null, whatever the others do; failures join {@code failure}. */
    private static void closeAll(RuntimeException failure, AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }
}
