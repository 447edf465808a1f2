package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

/**
 * One compaction of one store: copies the live memories into a new {@link Generation} while reads
 * and writes go on, then switches to it in a short pause and deletes the old one. Older versions,
 * tombstones and abandoned slots stay behind, so the new generation holds one committed slot per
 * live id and nothing else (see {@code docs/design.md#compaction}).
 *
 * <ol>
 *   <li>Copy: every live index entry's slot and record are copied as they are (same version,
 *       timestamps, scalars, embedding) into the new generation; the copies form the new index.</li>
 *   <li>Writers keep it level: from the start on, every write of the store, before it leaves the
 *       gate, brings the copy of its own id level ({@link #writerChanged}): a newer version copied,
 *       the copy of a deleted id abandoned. Writes pay for their own catch-up, so there is no
 *       backlog, however fast they come: a write beside a compaction costs about two.</li>
 *   <li>Switch, with the gate paused (no operation under way, arrivals wait): nothing is left to
 *       copy or to force (the copy was forced before the pause, with {@code CURRENT}'s temporary
 *       file; what writers copied since is as durable as their own writes); {@code CURRENT} is
 *       renamed to name the new generation, and the store's active generation and index replaced
 *       together.</li>
 *   <li>Clean up after the gate reopens: the old generation is unmapped and deleted.</li>
 * </ol>
 *
 * <p>A crash before the rename leaves the old generation current, holding every acknowledged write;
 * after it, the new one, which holds every write acknowledged before the pause and gets every write
 * after. The next open deletes whichever generation is not current.
 *
 * <p>Threads: one compacting thread per store (the store's compaction flag), and every writing
 * thread in {@link #writerChanged}, inside the gate. Copies of one id are serialized by the
 * {@link #copies} map's compute on that id. The old generation is read only inside the gate, so close
 * waits for at most a batch; the new one is invisible to readers until the switch.
 */
class Compactor {

    /** Where a compaction is; tests stop a child JVM at each and kill it. */
    enum Phase {
        /** Nothing written yet. */
        STARTED,
        /** The new generation's files exist; called after each batch copied. */
        COPYING,
        /** The first copy is complete; the switch is next. */
        COPIED,
        /** Paused, nothing under way. */
        PAUSED,
        /** The new generation is complete and forced; CURRENT still names the old one. */
        BEFORE_SWITCH,
        /** CURRENT names the new generation; the store still serves the old one, paused. */
        SWITCHED,
        /** The store serves the new generation; the old one is still on disk. */
        RESUMED,
        /** The old generation is unmapped; its files are deleted next. */
        CLEANING_UP
    }

    /** Told of each phase; a test seam (crash points). */
    @FunctionalInterface
    interface Listener {
        Listener NONE = phase -> {
        };

        void at(Phase phase);
    }

    /** Index entries copied per gate entry: what close, or a switch, waits for at most. */
    static final int BATCH = 256;


    final MemoryStore store;
    private final Listener listener;
    private final InFlightGate gate;
    private final int slotSize;
    /** The generation being replaced; only this compactor replaces it, so it stays the active one until the switch. */
    private MemoryStore.Active old;
    private Generation next;
    /** The next slot of the new generation; claimed by the compactor and by writers bringing their id level. */
    private final AtomicLong nextSlot = new AtomicLong();
    /** The new index: id to its copy in the new generation; changed only inside a compute on the id. */
    private final ConcurrentHashMap<String, IndexEntry> copies = new ConcurrentHashMap<>();
    /** The live slots of the new generation: set for each copy, cleared when it is abandoned; inside the id's compute. */
    private final LiveSlots copiedLive = new LiveSlots();
    private final LongAdder copiedAgain = new LongAdder();
    /** Writers in {@link #writerChanged} now: the new generation is unmapped only once none is. */
    private final AtomicInteger assisting = new AtomicInteger();
    /** The first failure of a writer's copy: the copies can no longer be trusted, so the switch is refused. */
    private final AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    /**
     * Set just before the rename of CURRENT: from then on the new generation may be the current one
     * on disk, and must never be deleted by this compaction.
     */
    private volatile boolean mayBeCurrent;

    /** The store's own compactor, telling no one of its phases. */
    Compactor(MemoryStore store) {
        this(store, Listener.NONE);
    }

    Compactor(MemoryStore store, Listener listener) {
        this.store = store;
        this.listener = listener;
        this.gate = store.gate();
        this.slotSize = SlotLayout.slotSize(store.embeddingDimension());
    }

    /**
     * Called by every write that changed {@code id} while this compaction copies, after its
     * per-key step and before it leaves the gate: brings the copy of {@code id} level. A failure
     * here is the compaction's, not the write's (which is done): it is kept, and refuses the switch.
     */
    void writerChanged(String id) {
        assisting.incrementAndGet();
        try {
            // A compaction that gives up clears itself from the store, then waits for this count
            // before it unmaps its files: counted first, then looked at again.
            if (store.copyingInto() != this) {
                return;
            }
            bringLevel(id, store.options().durability() == Durability.ALWAYS);
        } catch (RuntimeException | Error e) {
            writerFailure.compareAndSet(null, e);
        } finally {
            assisting.decrementAndGet();
        }
    }

    /**
     * Last look before the switch, under the pause: the copies must be exactly the live memories,
     * and every writer's copy must have worked.
     *
     * @throws IllegalStateException when they are not; nothing has been switched then
     */
    void verify(Map<String, IndexEntry> copies, long liveCount) {
        Throwable failed = writerFailure.get();
        if (failed != null) {
            throw new IllegalStateException("compaction of " + store.directory() + " gave up: a write could not copy"
                    + " its memory into the new generation; the old generation stays current", failed);
        }
        if (copies.size() != liveCount) {
            throw new IllegalStateException("compaction of " + store.directory() + " copied " + copies.size()
                    + " memories but " + liveCount + " are live; the old generation stays current");
        }
        long marked = copiedLive.count();
        if (marked != copies.size()) {
            throw new IllegalStateException("compaction of " + store.directory() + " marked " + marked
                    + " copies live for recall but made " + copies.size() + "; the old generation stays current");
        }
    }

    CompactionReport run() {
        long started = System.nanoTime();
        long slotsBefore;
        long bytesBefore;
        gate.enter();
        try {
            old = store.active();
            listener.at(Phase.STARTED);
            slotsBefore = old.allocator().next();
            bytesBefore = old.generation().fileBytes();
            long number = old.generation().number + 1;
            // A generation a failed compaction of this process left behind is in the way.
            Generation.deleteAllBut(store.directory(), old.generation().number, store.options().forcer());
            StoreOptions sized = sizedFor(store.liveCount(), store.liveContentBytes());
            requireRoom(sized, store.liveCount(), store.liveContentBytes());
            next = Generation.open(store.directory(), number, sized, store.extender(), store.io(),
                    store.clock().millis());
            // The first chunk of each file, as an open maps them: the first writes after the switch grow nothing.
            next.slots.ensure(0);
            next.content.ensureCapacity(1);
            // From here on every write brings its own id level; writes before this are in the index the copy walks.
            store.compactingInto(this);
        } catch (RuntimeException | Error e) {
            abandonNext(e);
            throw e;
        } finally {
            gate.exit();
        }
        Switched switched;
        try {
            copyAll();
            listener.at(Phase.COPIED);
            switched = switchGeneration();
        } catch (RuntimeException | Error e) {
            store.compactingInto(null);
            if (mayBeCurrent) {
                throw e; // the new generation may be current on disk: it must stay
            }
            abandonNext(e);
            if (e instanceof InsufficientStorageException full) {
                throw new InsufficientStorageException("compacting " + store.directory() + " ran out of room: "
                        + full.getMessage(), "the disk filled up while this space was being compacted; the compaction"
                        + " gave up and nothing changed", full);
            }
            throw e;
        }
        listener.at(Phase.RESUMED);
        boolean oldDeleted = deleteOld();
        return new CompactionReport(next.number, slotsBefore, switched.slots(), bytesBefore, switched.bytes(),
                switched.live(), copiedAgain.sum(), TimeUnit.NANOSECONDS.toMicros(switched.pausedNanos()),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), store.clock().instant(), !oldDeleted);
    }

    /** The new generation as the switch made it current, and how long operations waited for it. */
    private record Switched(long slots, long bytes, long live, long pausedNanos) {
    }

    /**
     * Refuses to start when the file system lacks room for the new generation: the live slots and
     * records plus an eighth, in whole chunks of the series the new files get, with their headers.
     * A compaction that could not finish for room is not begun.
     */
    private void requireRoom(StoreOptions sized, long liveMemories, long liveContentBytes) {
        long slots = liveMemories + liveMemories / 8 + SlotAppender.DELETE_HEADROOM + 1;
        long contentBytes = liveContentBytes + liveContentBytes / 8 + contentHeadroom();
        ChunkSeries slotChunks = sized.slotChunks();
        ChunkSeries contentChunks = sized.contentChunks();
        long needed = slotChunks.capacity(slotChunks.index(slots - 1) + 1) * slotSize + SlotLayout.HEADER_BYTES
                + contentChunks.capacity(contentChunks.index(contentBytes - 1) + 1) + ContentRecordLayout.HEADER_BYTES;
        long usable;
        try {
            usable = store.extender().usableSpace(store.directory());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + store.directory(), e);
        }
        if (usable < needed) {
            String shortOf = "needs " + needed + " bytes free for a copy of its " + liveMemories
                    + " live memories, and the file system has " + usable + "; nothing was changed";
            throw new InsufficientStorageException("compacting " + store.directory() + " " + shortOf,
                    "the disk lacks room to compact this space: it " + shortOf, null);
        }
    }

    private static long contentHeadroom() {
        return SlotAppender.DELETE_HEADROOM * (long) ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, 0);
    }

    /**
     * The store's options with first chunks that hold the live data and an eighth more, so the new
     * generation is about the size of what it holds; fixed chunk series are kept as configured. The
     * content chunks reach at least the old log's largest, so every record there fits, whatever the
     * content limit is now. Growing ahead stays off until the switch: the copy knows what it needs.
     */
    private StoreOptions sizedFor(long liveMemories, long liveContentBytes) {
        StoreOptions options = store.options();
        ChunkSeries slotChunks = options.slotChunks();
        ChunkSeries contentChunks = options.contentChunks();
        if (slotChunks.doublings() > 0) {
            long wanted = liveMemories + liveMemories / 8 + SlotAppender.DELETE_HEADROOM + 1;
            long first = Math.min(slotChunks.max(), Math.max(slotChunks.first(), wanted));
            slotChunks = ChunkSeries.doubling(first, slotChunks.max(), 1);
        }
        long largestOld = old.content().largestChunk();
        if (contentChunks.doublings() > 0) {
            long wanted = liveContentBytes + liveContentBytes / 8 + contentHeadroom();
            long aligned = (wanted + 4095) / 4096 * 4096;
            long max = Math.max(contentChunks.max(), largestOld);
            long first = Math.min(max, Math.max(contentChunks.first(), aligned));
            contentChunks = ChunkSeries.doubling(first, max,
                    Math.max(largestOld, ContentRecordLayout.alignedChunkFor(options.maxContentBytes())));
        } else if (contentChunks.first() < largestOld) {
            contentChunks = ChunkSeries.fixed(largestOld);
        }
        return options.withChunks(slotChunks, contentChunks).withGrowAhead(false);
    }

    /** The copy: every id in the index, a batch per gate entry. */
    private void copyAll() {
        Iterator<String> ids = old.index().keySet().iterator();
        while (ids.hasNext()) {
            gate.enter();
            try {
                Throwable failed = writerFailure.get();
                if (failed != null) {
                    throw new IllegalStateException("compaction of " + store.directory() + " gave up: a write could"
                            + " not copy its memory into the new generation", failed);
                }
                for (int n = 0; n < BATCH && ids.hasNext(); n++) {
                    bringLevel(ids.next(), false); // forced whole before the switch
                }
            } finally {
                gate.exit();
            }
            listener.at(Phase.COPYING);
        }
    }

    /**
     * Makes the copy of {@code id} match the old index now: copies the live version when the copy is
     * missing or older, abandons the copy when the id is deleted. Inside the gate, on the compacting
     * thread or a writer's; serialized per id by the compute, which reads the index inside it, so the
     * last one to run sees the last write. With {@code forceNow} (a writer in always mode) what it
     * wrote is forced before it returns, as the write it copies was.
     */
    private void bringLevel(String id, boolean forceNow) {
        copies.compute(id, (key, copy) -> {
            IndexEntry entry = old.index().get(key);
            boolean live = entry != null && !entry.tombstone();
            if (copy != null && live && copy.version() == entry.version()) {
                return copy;
            }
            if (copy != null) {
                // Abandoned at once, so the new generation never holds two committed versions of an id,
                // and a delete can never come back from an older copy.
                copiedLive.clear(copy.slot());
                abandon(copy.slot());
                if (forceNow) {
                    next.slots.force(copy.slot());
                }
                copiedAgain.increment();
            }
            IndexEntry copied = live ? copy(key, entry, forceNow) : null;
            if (copied != null) {
                copiedLive.set(copied.slot());
            }
            return copied;
        });
    }

    /** Forces what was copied so far; the store's flush calls it while this compaction copies. */
    void forceCopies() {
        next.forceDirty();
    }

    /** Copies the slot and record {@code entry} names into the new generation, published. */
    private IndexEntry copy(String id, IndexEntry entry, boolean forceNow) {
        SlotFile from = old.slots();
        ByteBuffer chunk = from.chunkOf(entry.slot());
        int base = from.baseOf(entry.slot());
        String unreadable = SlotFile.unreadable(chunk, base, slotSize);
        if (unreadable != null || SlotLayout.VERSION.get(chunk, base) != entry.version()) {
            throw new CorruptionException("compaction: slot " + entry.slot() + " of id '" + id + "' "
                    + (unreadable != null ? unreadable : "does not hold version " + entry.version()));
        }
        ContentLog.Entry record = old.content().read(SlotLayout.CONTENT_OFFSET.get(chunk, base),
                SlotLayout.RECORD_LENGTH.get(chunk, base));
        long offset = next.content.append(record.id(), record.content(), 0);
        if (forceNow) {
            next.content.force(offset, entry.recordLength());
        }
        long slot = nextSlot.getAndIncrement();
        next.slots.ensure(slot);
        ByteBuffer to = next.slots.chunkOf(slot);
        int toBase = next.slots.baseOf(slot);
        SlotLayout.copyPayload(chunk, base, to, toBase, slotSize, offset);
        CRC32C payloadCrc = SlotLayout.payloadChecksum(to, toBase, slotSize);
        SlotFile.publish(to, toBase, payloadCrc, entry.version(), SlotLayout.CREATED_AT.get(chunk, base),
                SlotLayout.UPDATED_AT.get(chunk, base));
        next.slots.markDirty(slot);
        if (forceNow) {
            next.slots.force(slot);
        }
        return new IndexEntry(slot, entry.version(), false, entry.recordLength());
    }

    private void abandon(long slot) {
        SlotLayout.stateOrdered(next.slots.chunkOf(slot), next.slots.baseOf(slot), SlotLayout.STATE_ABANDONED);
        next.slots.markDirty(slot);
    }

    /**
     * The switch, with every other operation paused: a force of the last pages, the rename, and the
     * store's generation and index replaced together.
     */
    private Switched switchGeneration() {
        // The copy forced before the pause, with the new directory and CURRENT.tmp: every chunk,
        // whatever its dirty flag says (a flush forcing a chunk has cleared its flag before its msync
        // ends). What writers copy from here on is forced as their own writes are: in always mode
        // before they answer, in interval mode by the flusher, which forces this generation too.
        next.forceAll();
        forceDirectory(next.dir);
        prepareCurrent();
        gate.enter();
        long pausedAt = System.nanoTime();
        try {
            if (!gate.pauseOthers()) {
                throw new StoreClosedException("store " + store.directory() + " closed during a compaction");
            }
            listener.at(Phase.PAUSED);
            // Every writer that changed an id brought it level before it left the gate: nothing is left.
            verify(copies, store.liveCount());
            Switched sizes = new Switched(nextSlot.get(), next.fileBytes(), copies.size(), 0);
            listener.at(Phase.BEFORE_SWITCH);
            mayBeCurrent = true;
            boolean activated = false;
            try {
                commitCurrent();
                try {
                    listener.at(Phase.SWITCHED);
                } finally {
                    activate();
                    activated = true;
                }
            } finally {
                if (!activated && mayBeCurrent) {
                    gate.fail("store " + store.directory() + " stopped: its switch to generation " + next.number
                            + " did not finish; reopen it");
                }
            }
            // Cleared after the swap: a flush reads this before the active generation, so each flush
            // forces the new generation, as the copies or as the active one.
            store.compactingInto(null);
            return new Switched(sizes.slots(), sizes.bytes(), sizes.live(), System.nanoTime() - pausedAt);
        } finally {
            gate.resume();
            gate.exit();
        }
    }

    /**
     * CURRENT names the new generation: from here on the store must serve it. Should that fail
     * (it allocates, so an OutOfMemoryError could), the store stops serving altogether rather than
     * go on writing into a generation the next open would delete.
     */
    private void activate() {
        try {
            next.slots.allowGrowAhead(store.options().growAhead());
            next.content.allowGrowAhead(store.options().growAhead());
            store.activate(MemoryStore.Active.of(next, nextSlot.get(), copies, copiedLive, store.options(),
                            store.counters()),
                    old.slots().growths() + old.content().growths());
        } catch (RuntimeException | Error e) {
            gate.fail("store " + store.directory() + " stopped: it switched to generation " + next.number
                    + " on disk but could not serve it (" + e + "); reopen it");
            throw e;
        }
    }

    private void prepareCurrent() {
        Path dir = store.directory();
        try {
            store.io().call(() -> {
                Generation.prepareCurrent(dir, next.number, store.options().forcer());
                return null;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the switch of " + dir + " to generation " + next.number, e);
        }
    }

    /**
     * Renames the prepared CURRENT over the old one, on the store's I/O thread (no interrupt
     * reaches it). When the rename failed, the old generation stays current. When a step after it
     * failed, CURRENT on disk decides; when even that cannot be read, the store stops serving
     * (nothing more is written into either generation) and the next open decides.
     */
    private void commitCurrent() {
        Path dir = store.directory();
        try {
            store.io().call(() -> {
                Generation.commitCurrent(dir, store.options().forcer());
                return null;
            });
        } catch (IOException | RuntimeException e) {
            RuntimeException failure = e instanceof IOException io
                    ? new UncheckedIOException("cannot switch " + dir + " to generation " + next.number, io)
                    : (RuntimeException) e;
            long current;
            try {
                current = Generation.current(dir);
            } catch (RuntimeException unreadable) {
                failure.addSuppressed(unreadable);
                gate.fail("store " + dir + " stopped: a switch to generation " + next.number + " failed and CURRENT"
                        + " cannot be read (" + unreadable.getMessage() + "); reopen it");
                throw failure;
            }
            if (current != next.number) {
                mayBeCurrent = false;
                throw failure;
            }
            // The rename happened and the directory force after it failed: the rename is not known to
            // be durable. Once more; if the directory still cannot be forced, the store stops serving.
            try {
                forceDirectory(dir);
            } catch (RuntimeException again) {
                failure.addSuppressed(again);
                gate.fail("store " + dir + " stopped: it switched to generation " + next.number + " but cannot"
                        + " force its directory (" + again.getMessage() + "); reopen it");
                throw failure;
            }
        } catch (Error e) {
            // Not known whether the rename happened (the I/O thread failed): stop serving, the next open decides.
            gate.fail("store " + dir + " stopped: a switch to generation " + next.number + " failed (" + e + ");"
                    + " reopen it");
            throw e;
        }
    }

    private void forceDirectory(Path dir) {
        try {
            store.options().forcer().forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot force " + dir, e);
        }
    }

    /**
     * Unmaps and deletes the replaced generation; no operation can reach it any more. A failure
     * here changes nothing a client sees: the next open deletes what is left.
     *
     * @return whether the old generation's files are gone
     */
    private boolean deleteOld() {
        Generation replaced = old.generation();
        try {
            // A flush that began before the switch may still force the old files.
            gate.awaitForces();
            store.io().call(() -> {
                // Queued behind any grow-ahead of the old files, so none runs on an unmapped file.
                replaced.discard();
                return null;
            });
            listener.at(Phase.CLEANING_UP);
            Generation.delete(store.directory(), replaced.number, store.options().forcer());
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Throws away a new generation that will never be current. */
    private void abandonNext(Throwable failure) {
        if (next == null) {
            return;
        }
        try {
            // A writer may be copying into the files, and a flush forcing them.
            while (assisting.get() != 0) {
                LockSupport.parkNanos(20_000);
            }
            gate.awaitForces();
            store.io().call(() -> {
                next.discard();
                return null;
            });
            Generation.delete(store.directory(), next.number, store.options().forcer());
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
