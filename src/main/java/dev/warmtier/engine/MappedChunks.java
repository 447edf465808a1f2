package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A file region mapped in chunks whose sizes follow a {@link ChunkSeries}, that only ever grows by
 * adding chunks. A chunk, once mapped, is neither remapped nor unmapped while the file is open, so
 * a reader holding a chunk can never touch unmapped memory. The chunk array is published
 * copy-on-write through a volatile field: readers take no lock at all. Growth (extending the file,
 * mapping the chunk) runs on the store's {@link FileIo} thread, so an interrupted writer cannot
 * close the channel.
 */
final class MappedChunks {

    /** One mapped chunk and whether it holds writes not yet forced to disk. */
    static final class Chunk {
        private static final VarHandle DIRTY;

        static {
            try {
                DIRTY = MethodHandles.lookup().findVarHandle(Chunk.class, "dirty", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final MappedByteBuffer buffer;
        /** 1 while writes are not forced; writers set it with release, the flusher clears it with getAndSet. */
        private volatile int dirty;

        Chunk(MappedByteBuffer buffer) {
            this.buffer = buffer;
        }

        void markDirty() {
            DIRTY.setRelease(this, 1);
        }

        boolean takeDirty() {
            return (int) DIRTY.getAndSet(this, 0) == 1;
        }

        boolean isDirty() {
            return dirty == 1;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long base;
    /** Chunk sizes in bytes. */
    private final ChunkSeries series;
    private final FileExtender extender;
    /** Every force of a chunk's range goes through it, in every durability mode. */
    private final Forcer forcer;
    private final FileIo io;
    /**
     * Serializes growth only; never taken by readers, and never held while a reader waits. A writer
     * holds it while the I/O thread grows for it, so the I/O thread itself only ever tries it.
     */
    private final ReentrantLock growLock = new ReentrantLock();
    /** Force calls made; a counter only, no ordering relied on. */
    private final LongAdder forces = new LongAdder();
    /** Times the file was extended by a chunk; a counter only, written under growLock. */
    private final LongAdder growths = new LongAdder();
    /** Whether growing ahead is on (see {@link #growAhead}); off while a compaction fills a new generation. */
    private volatile boolean growAhead;
    /** True while a grow-ahead is queued or running; set by CAS so one is under way at most. */
    private final AtomicBoolean growingAhead = new AtomicBoolean();
    /** Copy-on-write: replaced whole under growLock, read lock-free. */
    private volatile Chunk[] chunks = new Chunk[0];

    MappedChunks(Path path, FileChannel channel, long base, ChunkSeries series, FileExtender extender, Forcer forcer,
                 FileIo io, boolean growAhead) {
        this.forcer = forcer;
        this.growAhead = growAhead;
        this.path = path;
        this.channel = channel;
        this.base = base;
        this.series = series;
        this.extender = extender;
        this.io = io;
    }

    /** Chunk sizes in bytes. */
    ChunkSeries series() {
        return series;
    }

    /** Bytes the mapped chunks hold. */
    long capacity() {
        return series.capacity(chunks.length);
    }

    int count() {
        return chunks.length;
    }

    /** The chunk at an index that {@link #ensure} has made exist. */
    Chunk chunk(int index) {
        return chunks[index];
    }

    /**
     * Maps every whole chunk the file holds, changing nothing on disk. A trailing partial chunk (a
     * crash while it was being added, before anything could be written to it) stays as it is; the
     * growth that next needs it extends it from where it ends.
     */
    void mapExisting() {
        long size;
        try {
            size = io.call(channel::size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read size of " + path, e);
        }
        int whole = size <= base ? 0 : series.index(size - base);
        if (whole > 0) {
            ensure(whole - 1);
        }
    }

    /**
     * Makes chunks up to and including {@code index} exist. Exactly one thread grows; others that
     * need the same chunk wait for it and then find it mapped.
     *
     * @throws InsufficientStorageException when the file system has no room; the file keeps the
     *                                      chunks it had, and the next call tries again
     */
    void ensure(int index) {
        if (index < chunks.length) {
            return;
        }
        growLock.lock();
        try {
            growLocked(index);
        } finally {
            growLock.unlock();
        }
    }

    /** Adds the chunks up to {@code index} that are missing; the caller holds {@link #growLock}. */
    private void growLocked(int index) {
        Chunk[] current = chunks;
        if (index < current.length) {
            return;
        }
        Chunk[] grown = Arrays.copyOf(current, index + 1);
        for (int i = current.length; i <= index; i++) {
            grown[i] = new Chunk(growTo(i));
            // Publish each chunk as soon as it exists, so a failure on a later one keeps it.
            chunks = Arrays.copyOf(grown, i + 1);
        }
    }

    /** Turns growing ahead on or off from now on. */
    void allowGrowAhead(boolean enabled) {
        growAhead = enabled;
    }

    /**
     * Told that a write reached byte {@code position} (relative to the region); when that is in the
     * second half of the last chunk, grows the next chunk on the I/O thread without waiting, so the
     * write that needs it finds it mapped instead of zero-filling it. A failure (a full disk) is
     * left to that write, which tries again and reports it.
     */
    void growAhead(long position) {
        Chunk[] current = chunks;
        int last = current.length - 1;
        if (!growAhead || last < 0 || position < series.start(last) + series.size(last) / 2
                || !growingAhead.compareAndSet(false, true)) {
            return;
        }
        boolean submitted = io.submit(() -> {
            // Never waits for the grow lock: its holder may be a writer waiting for this very
            // thread to do its growth, which then covers the chunk anyway.
            if (!growLock.tryLock()) {
                growingAhead.set(false);
                return;
            }
            try {
                growLocked(last + 1);
            } catch (RuntimeException e) {
                // No room now: the write that needs the chunk grows it, or fails with the reason.
            } finally {
                growLock.unlock();
                growingAhead.set(false);
            }
        });
        if (!submitted) {
            growingAhead.set(false);
        }
    }

    /** Extends the file to hold chunk {@code index} and maps it, on the I/O thread. */
    private MappedByteBuffer growTo(int index) {
        long from = base + series.start(index);
        long to = from + series.size(index);
        try {
            return io.call(() -> mapChunk(from, to));
        } catch (IOException e) {
            throw InsufficientStorageException.orUnchecked(e, "no room on the file system to grow " + path + " to "
                    + to + " bytes: " + e.getMessage(), "cannot grow " + path + " to " + to + " bytes");
        }
    }

    private MappedByteBuffer mapChunk(long from, long to) throws IOException {
        long size = channel.size();
        if (size < to) {
            try {
                extender.extend(channel, Math.max(size, from), to);
            } catch (IOException e) {
                channel.truncate(Math.max(size, from)); // give back what the failed extension took
                throw e;
            }
            growths.increment();
        }
        MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, from, to - from);
        buffer.order(ByteOrder.LITTLE_ENDIAN);
        return buffer;
    }

    /** Forces every chunk that holds writes not forced yet. */
    void forceDirty() {
        Chunk[] all = chunks;
        for (int i = 0; i < all.length; i++) {
            Chunk chunk = all[i];
            if (chunk.takeDirty()) {
                try {
                    forceWhole(i, chunk);
                } catch (RuntimeException | Error e) {
                    chunk.markDirty(); // not on disk: the next flush must try this chunk again
                    throw e;
                }
                forces.increment();
            }
        }
    }

    /** Chunks holding writes that no force has covered yet. */
    int dirtyCount() {
        int count = 0;
        for (Chunk chunk : chunks) {
            count += chunk.isDirty() ? 1 : 0;
        }
        return count;
    }

    /** Forces one range of one chunk now. */
    void force(int index, int offset, int length) {
        forcer.force(path, base + series.start(index), chunks[index].buffer, offset, length);
        forces.increment();
    }

    void forceAll() {
        Chunk[] all = chunks;
        for (int i = 0; i < all.length; i++) {
            all[i].takeDirty();
            forceWhole(i, all[i]);
            forces.increment();
        }
    }

    private void forceWhole(int index, Chunk chunk) {
        forcer.force(path, base + series.start(index), chunk.buffer, 0, chunk.buffer.capacity());
    }

    long forces() {
        return forces.sum();
    }

    /**
     * Times this process extended the file by (up to) a chunk: a partial last chunk found at open
     * counts too; whole chunks found at open do not.
     */
    long growths() {
        return growths.sum();
    }

    /**
     * Unmaps every chunk. Only for close, after every operation that could touch a chunk has
     * finished: touching an unmapped chunk crashes the JVM.
     */
    void unmapAll() {
        Chunk[] all = chunks;
        chunks = new Chunk[0];
        for (Chunk chunk : all) {
            Unmapper.unmap(chunk.buffer);
        }
    }

    /** {@code sun.misc.Unsafe.invokeCleaner}, reached reflectively: no JVM flags, no compile-time warning. */
    static final class Unmapper {
        private static final Object UNSAFE;
        private static final Method INVOKE_CLEANER;

        static {
            Object unsafe = null;
            Method cleaner = null;
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field field = type.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                unsafe = field.get(null);
                cleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Without it mappings are released by the garbage collector instead.
                unsafe = null;
                cleaner = null;
            }
            UNSAFE = unsafe;
            INVOKE_CLEANER = cleaner;
        }

        private Unmapper() {
        }

        static void unmap(MappedByteBuffer buffer) {
            if (INVOKE_CLEANER == null) {
                return;
            }
            try {
                INVOKE_CLEANER.invoke(UNSAFE, buffer);
            } catch (ReflectiveOperationException e) {
                // Left to the garbage collector.
            }
        }
    }
}
