package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * One compaction of one store: copies the live memories into a new {@link Generation} while reads
 * and writes go on, then switches to it in a short pause and deletes the old one. Older versions,
 * tombstones and abandoned slots stay behind, so the new generation holds one committed slot per
 * live id and nothing else (see {@code docs/design.md#compaction}).
 *
 * <ol>
 *   <li>Copy: every live index entry's slot and record are copied as they are (same version,
 *       timestamps, scalars, embedding) into the new generation; the copies form the new index.
 *       The store tells the compactor of every id written or deleted from the start on (its change
 *       log), so nothing written meanwhile is missed.</li>
 *   <li>Catch up: the changed ids are brought level (a newer version copied, the copy of a deleted
 *       id abandoned) until few are left.</li>
 *   <li>Switch, with the gate paused (no operation under way, arrivals wait): the last changed ids
 *       are brought level, the new files forced, {@code CURRENT} renamed to name the new
 *       generation, and the store's active generation and index replaced together.</li>
 *   <li>Clean up after the gate reopens: the old generation is unmapped and deleted.</li>
 * </ol>
 *
 * <p>A crash before the rename leaves the old generation current, holding every acknowledged write;
 * after it, the new one, which holds every write acknowledged before the pause and gets every write
 * after. The next open deletes whichever generation is not current.
 *
 * <p>Threads: one compacting thread per store (the store's compaction lock), beside any number of
 * readers and writers. It reads the old generation inside the gate, one batch per entry, so close
 * waits for at most a batch; its own generation is invisible to everyone else until the switch.
 */
class Compactor {

    /** Where a compaction is; tests stop a child JVM at each and kill it. */
    enum Phase {
        /** Nothing written yet. */
        STARTED,
        /** The new generation's files exist; called after each batch copied. */
        COPYING,
        /** The first copy is complete; catching up next. */
        COPIED,
        /** Paused, nothing under way: the last changes next. */
        PAUSED,
        /** The new generation is level and forced; CURRENT still names the old one. */
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
    /** Changed ids left at which the switch is made: what the pause copies at most, as long as writers let it. */
    static final int SWITCH_BACKLOG = 256;
    /** Catch-up passes before the switch is made however many changes are left. */
    static final int MAX_CATCH_UP_PASSES = 16;

    final MemoryStore store;
    private final Listener listener;
    private final InFlightGate gate;
    private final int slotSize;
    /** The generation being replaced; only this compactor replaces it, so it stays the active one. */
    private MemoryStore.Active old;
    private Generation next;
    private long nextSlot;
    /** The new index: id to its copy in the new generation; only this thread writes it before the switch. */
    private final ConcurrentHashMap<String, IndexEntry> copies = new ConcurrentHashMap<>();
    private long copiedAgain;

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
     * The set the store adds each changed id to while this compaction runs.
     */
    Set<String> changeLog() {
        return ConcurrentHashMap.newKeySet();
    }

    /**
     * Last look before the switch, under the pause: the copies must be exactly the live memories.
     *
     * @throws IllegalStateException when they are not; nothing has been switched then
     */
    void verify(Map<String, IndexEntry> index, Map<String, IndexEntry> copies, long liveCount) {
        if (copies.size() != liveCount) {
            throw new IllegalStateException("compaction of " + store.directory() + " copied " + copies.size()
                    + " memories but " + liveCount + " are live; the old generation stays current");
        }
    }

    CompactionReport run() {
        long started = System.nanoTime();
        Set<String> changed;
        long slotsBefore;
        long bytesBefore;
        gate.enter();
        try {
            old = store.active();
            listener.at(Phase.STARTED);
            requireRoom();
            slotsBefore = old.allocator().next();
            bytesBefore = old.generation().fileBytes();
            long number = old.generation().number + 1;
            // A generation a failed compaction of this process left behind is in the way.
            Generation.deleteAllBut(store.directory(), old.generation().number, store.options().forcer());
            next = Generation.open(store.directory(), number, sizedFor(store.liveCount(), store.liveContentBytes()),
                    store.extender(), store.io(), store.clock().millis());
            // The first chunk of each file, as an open maps them: the first writes after the switch grow nothing.
            next.slots.ensure(0);
            next.content.ensureCapacity(1);
            changed = changeLog();
            store.trackChanges(changed);
        } catch (RuntimeException e) {
            abandonNext(e);
            throw e;
        } finally {
            gate.exit();
        }
        long pausedNanos;
        try {
            copyAll();
            listener.at(Phase.COPIED);
            for (int pass = 0; pass < MAX_CATCH_UP_PASSES && changed.size() > SWITCH_BACKLOG; pass++) {
                catchUp(changed);
            }
            pausedNanos = switchGeneration(changed);
        } catch (RuntimeException | Error e) {
            store.trackChanges(null);
            if (store.active() != old) {
                throw e; // switched: the new generation is current and must stay
            }
            abandonNext(e);
            if (e instanceof InsufficientStorageException full) {
                throw new InsufficientStorageException("compacting " + store.directory() + " ran out of room: "
                        + full.getMessage(), "the disk filled up while this space was being compacted; the compaction"
                        + " gave up and nothing changed", full);
            }
            throw e;
        }
        long slotsAfter = nextSlot;
        long bytesAfter = next.fileBytes();
        listener.at(Phase.RESUMED);
        deleteOld();
        return new CompactionReport(next.number, slotsBefore, slotsAfter, bytesBefore, bytesAfter, copies.size(),
                copiedAgain, TimeUnit.NANOSECONDS.toMicros(pausedNanos),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), store.clock().instant());
    }

    /**
     * Refuses to start when the file system lacks room for the new generation's first chunks, which
     * are sized to hold every live memory: a compaction that could not finish is not begun.
     */
    private void requireRoom() {
        StoreOptions sized = sizedFor(store.liveCount(), store.liveContentBytes());
        long needed = (sized.slotChunks().first() + SlotAppender.DELETE_HEADROOM) * slotSize + SlotLayout.HEADER_BYTES
                + sized.contentChunks().first() + ContentRecordLayout.HEADER_BYTES;
        long usable;
        try {
            usable = store.extender().usableSpace(store.directory());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + store.directory(), e);
        }
        if (usable < needed) {
            String shortOf = "needs " + needed + " bytes free for a copy of its " + store.liveCount()
                    + " live memories, and the file system has " + usable + "; nothing was changed";
            throw new InsufficientStorageException("compacting " + store.directory() + " " + shortOf,
                    "the disk lacks room to compact this space: it " + shortOf, null);
        }
    }

    /**
     * The store's options with first chunks that hold the live data and an eighth more, so the new
     * generation is about the size of what it holds; fixed chunk series are kept as configured.
     * Growing ahead stays off until the switch: the copy knows how much it needs.
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
        if (contentChunks.doublings() > 0) {
            long headroom = SlotAppender.DELETE_HEADROOM * (long) ContentRecordLayout.recordLength(
                    ContentRecordLayout.MAX_ID_BYTES, 0);
            long wanted = liveContentBytes + liveContentBytes / 8 + headroom;
            long aligned = (wanted + 4095) / 4096 * 4096;
            long first = Math.min(contentChunks.max(), Math.max(contentChunks.first(), aligned));
            contentChunks = ChunkSeries.doubling(first, contentChunks.max(),
                    ContentRecordLayout.alignedChunkFor(options.maxContentBytes()));
        }
        return options.withChunks(slotChunks, contentChunks).withGrowAhead(false);
    }

    /** The first pass: every id in the index, a batch per gate entry. */
    private void copyAll() {
        Iterator<String> ids = store.index().keySet().iterator();
        while (ids.hasNext()) {
            gate.enter();
            try {
                for (int n = 0; n < BATCH && ids.hasNext(); n++) {
                    bringLevel(ids.next());
                }
            } finally {
                gate.exit();
            }
            listener.at(Phase.COPYING);
        }
    }

    /** One pass over the ids changed so far; ids changed again meanwhile stay for the next. */
    private void catchUp(Set<String> changed) {
        Iterator<String> ids = changed.iterator();
        while (ids.hasNext()) {
            gate.enter();
            try {
                for (int n = 0; n < BATCH && ids.hasNext(); n++) {
                    String id = ids.next();
                    // Removed before the index is read: a write landing after the read adds it again.
                    ids.remove();
                    bringLevel(id);
                }
            } finally {
                gate.exit();
            }
        }
    }

    /**
     * Makes the copy of {@code id} match the index now: copies the live version when the copy is
     * missing or older, abandons the copy when the id is deleted. Inside the gate.
     */
    private void bringLevel(String id) {
        IndexEntry entry = store.index().get(id);
        IndexEntry copy = copies.get(id);
        boolean live = entry != null && !entry.tombstone();
        if (copy != null && live && copy.version() == entry.version()) {
            return;
        }
        if (copy != null) {
            // Abandoned at once, so the new generation never holds two committed versions of an id,
            // and a delete can never come back from an older copy.
            abandon(copy.slot());
            copies.remove(id);
            copiedAgain++;
        }
        if (live) {
            copies.put(id, copy(id, entry));
        }
    }

    /** Copies the slot and record {@code entry} names into the new generation, published. */
    private IndexEntry copy(String id, IndexEntry entry) {
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
        long slot = nextSlot;
        next.slots.ensure(slot);
        nextSlot++;
        ByteBuffer to = next.slots.chunkOf(slot);
        int toBase = next.slots.baseOf(slot);
        SlotLayout.copyPayload(chunk, base, to, toBase, slotSize, offset);
        CRC32C payloadCrc = SlotLayout.payloadChecksum(to, toBase, slotSize);
        SlotFile.publish(to, toBase, payloadCrc, entry.version(), SlotLayout.CREATED_AT.get(chunk, base),
                SlotLayout.UPDATED_AT.get(chunk, base));
        next.slots.markDirty(slot);
        return new IndexEntry(slot, entry.version(), false, entry.recordLength());
    }

    private void abandon(long slot) {
        SlotLayout.stateOrdered(next.slots.chunkOf(slot), next.slots.baseOf(slot), SlotLayout.STATE_ABANDONED);
        next.slots.markDirty(slot);
    }

    /**
     * The switch, with every other operation paused: the last changes, a force, the rename, and the
     * store's generation and index replaced together.
     *
     * @return nanoseconds the gate was paused
     */
    private long switchGeneration(Set<String> changed) {
        // Everything slow that the pause can do without: the copies so far, the new directory and
        // CURRENT.tmp forced now, so the pause forces only the last pass's pages and renames.
        next.forceDirty();
        forceDirectory(next.dir);
        prepareCurrent();
        gate.enter();
        long pausedAt = 0;
        boolean paused = false;
        try {
            pausedAt = System.nanoTime();
            paused = true;
            if (!gate.pauseOthers()) {
                throw new StoreClosedException("store " + store.directory() + " closed during a compaction");
            }
            listener.at(Phase.PAUSED);
            for (String id : changed) {
                bringLevel(id);
            }
            store.trackChanges(null);
            verify(store.index(), copies, store.liveCount());
            // Only what the last pass wrote is left to force: the rest was forced before the pause.
            next.forceDirty();
            listener.at(Phase.BEFORE_SWITCH);
            commitCurrent();
            try {
                listener.at(Phase.SWITCHED);
            } finally {
                // CURRENT names the new generation: from here on the store must serve it, whatever happens.
                next.slots.allowGrowAhead(store.options().growAhead());
                next.content.allowGrowAhead(store.options().growAhead());
                store.activate(MemoryStore.Active.of(next, nextSlot, copies, store.options(), store.counters()),
                        old.slots().growths() + old.content().growths());
            }
            return System.nanoTime() - pausedAt;
        } finally {
            if (paused) {
                gate.resume();
            }
            gate.exit();
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
     * reaches it). When the rename failed, the old generation stays current; when the directory
     * force after it failed, CURRENT on disk decides.
     */
    private void commitCurrent() {
        Path dir = store.directory();
        try {
            store.io().call(() -> {
                Generation.commitCurrent(dir, store.options().forcer());
                return null;
            });
        } catch (IOException | RuntimeException e) {
            if (Generation.current(dir) != next.number) {
                throw e instanceof IOException io
                        ? new UncheckedIOException("cannot switch " + dir + " to generation " + next.number, io)
                        : (RuntimeException) e;
            }
            // The rename happened and a later force failed: the new generation is current on disk.
        }
    }

    private void forceDirectory(Path dir) {
        try {
            store.options().forcer().forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot force " + dir, e);
        }
    }

    /** Unmaps and deletes the replaced generation; no operation can reach it any more. */
    private void deleteOld() {
        Generation replaced = old.generation();
        try {
            store.io().call(() -> {
                // Queued behind any grow-ahead of the old files, so none runs on an unmapped file.
                replaced.discard();
                return null;
            });
            listener.at(Phase.CLEANING_UP);
            Generation.delete(store.directory(), replaced.number, store.options().forcer());
        } catch (IOException e) {
            // The store serves the new generation; the next open deletes what is left of the old one.
            throw new UncheckedIOException("compacted " + store.directory() + ", but could not delete generation "
                    + replaced.number + " (the next open deletes it)", e);
        }
    }

    /** Throws away a new generation that will never be current. */
    private void abandonNext(Throwable failure) {
        if (next == null) {
            return;
        }
        try {
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
