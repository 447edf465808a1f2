package dev.warmtier.engine;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One store: the slot file, the content log and the index of one directory, with per-key
 * linearizable operations. This class holds the public API and the per-key steps; the other jobs
 * are classes of their own: {@link StoreFiles} opens and closes the files, {@link StoreLoader}
 * loads the index, {@link SlotAppender} writes a slot, {@link MemoryReader} reads one,
 * {@link InFlightGate} counts the operations under way and {@link IntervalFlusher} forces writes
 * in {@code interval} mode.
 *
 * <p>A write runs in three steps. First, outside any per-key lock, it appends its content record
 * and claims a slot with one atomic step, fills the slot's payload and sums it. Then one
 * {@link ConcurrentHashMap#compute} on the id checks the precondition, takes the next version from
 * the store's counter, writes version and timestamps, finishes the checksum, publishes the slot
 * with a release store of its state word and installs the new index entry. That compute is the
 * write's linearization point; writes of one id are therefore ordered by version, which is also
 * the order recovery reconstructs (the highest version per id wins). Different ids proceed in
 * parallel. A write whose precondition fails inside the compute abandons its slot, which is then
 * neither live nor a violation.
 *
 * <p>No version is used before the {@link VersionCeiling} on disk covers it, and recovery by scan
 * counts on from that ceiling, so a power loss that drops the newest slots cannot make a version
 * be handed out twice.
 *
 * <p>Slots and records are immutable once committed, so a reader that found an index entry reads
 * its slot without any lock.
 *
 * <p>Threads: any number of callers, concurrently; {@link #close} waits for the operations under way.
 */
public final class MemoryStore implements AutoCloseable {

    private final Path dir;
    private final StoreOptions options;
    private final Clock clock;
    private final StoreFiles files;
    private final SlotFile slots;
    private final ContentLog content;
    private final SlotAllocator allocator;
    /** Bounds every version handed out, durably; see {@link VersionCeiling}. */
    private final VersionCeiling ceiling;
    private final int dimension;
    private final SlotAppender appender;
    private final MemoryReader reader;
    private final InFlightGate gate;
    private final IntervalFlusher flusher;
    private final RecoveryReport recovery;

    /** id -> highest committed version; per-key writes serialize on this map's compute. */
    private final ConcurrentHashMap<String, IndexEntry> index;
    /** Ids whose highest version is live, in id order for paging; changed only inside the id's compute. */
    private final ConcurrentSkipListSet<String> liveIds;
    /**
     * The last version taken; incremented only inside a compute, so per id it orders writes. A
     * taken version is used only once the {@link #ceiling} on disk covers it.
     */
    private final AtomicLong lastVersion;
    /** Live memories and their record bytes; changed only inside a compute, together with the index. */
    private final AtomicLong liveCount;
    private final AtomicLong liveContentBytes;

    private MemoryStore(StoreFiles files, StoreLoader.Loaded loaded, StoreOptions options, Clock clock) {
        this.dir = files.dir;
        this.options = options;
        this.clock = clock;
        this.files = files;
        this.slots = files.slots;
        this.content = files.content;
        this.ceiling = files.ceiling;
        this.dimension = slots.dimension();
        this.index = loaded.index();
        this.liveIds = loaded.liveIds();
        this.lastVersion = new AtomicLong(loaded.lastVersion());
        this.liveCount = new AtomicLong(loaded.liveCount());
        this.liveContentBytes = new AtomicLong(loaded.liveContentBytes());
        this.recovery = loaded.report();
        // Room for the next block of versions now, so that no write after open pays for a force
        // until it crosses a block. A clean start usually has room already, and writes nothing.
        ceiling.cover(loaded.lastVersion() + 1);
        this.allocator = options.allocatorFactory().apply(loaded.nextSlot());
        this.appender = new SlotAppender(slots, content, allocator, options.durability());
        this.reader = new MemoryReader(slots, content);
        this.gate = new InFlightGate(dir.toString());
        this.flusher = IntervalFlusher.start(String.valueOf(dir.getFileName()), options, this::flush);
        // From here on the channels are shared by every caller: their I/O moves to the I/O thread.
        files.io.serve();
    }

    /** Opens (creating if needed) the store in {@code dir}. */
    public static MemoryStore open(Path dir, StoreOptions options) {
        return open(dir, options, FileExtender.ZERO_FILL, Clock.systemUTC());
    }

    /**
     * Opens the store with an explicit file extender (tests simulate a full disk with it) and clock.
     *
     * @throws StoreLockedException  when another process holds the directory
     * @throws StoreFormatException  when the files were made with another dimension or are not store files
     */
    public static MemoryStore open(Path dir, StoreOptions options, FileExtender extender, Clock clock) {
        return open(dir, options, extender, clock, VersionCeiling.BLOCK);
    }

    /**
     * Opens the store reserving {@code versionBlock} versions per raise of the ceiling; tests use
     * small blocks. A refused open leaves the files as they were ({@link StoreFiles#open}).
     */
    static MemoryStore open(Path dir, StoreOptions options, FileExtender extender, Clock clock, long versionBlock) {
        StoreFiles files = StoreFiles.open(dir, options, extender, clock, versionBlock);
        try {
            return new MemoryStore(files, new StoreLoader(files).load(), options, clock);
        } catch (RuntimeException e) {
            files.closeAfterFailure(e);
            throw e;
        }
    }

    // ---- writes ----------------------------------------------------------------------------

    /** Stores {@code write} as the new version of {@code id}, whatever is there. */
    public PutResult put(String id, MemoryWrite write) {
        return write(id, write, Precondition.NONE, 0);
    }

    /** Stores only if the live version of {@code id} is {@code expectedVersion}. */
    public PutResult putIfVersion(String id, long expectedVersion, MemoryWrite write) {
        return write(id, write, Precondition.VERSION, expectedVersion);
    }

    /** Stores only if {@code id} has no live version. */
    public PutResult putIfAbsent(String id, MemoryWrite write) {
        return write(id, write, Precondition.ABSENT, 0);
    }

    /** Deletes {@code id}, leaving a tombstone version. */
    public DeleteResult delete(String id) {
        return remove(id, Precondition.NONE, 0);
    }

    /** Deletes only if the live version of {@code id} is {@code expectedVersion}. */
    public DeleteResult deleteIfVersion(String id, long expectedVersion) {
        return remove(id, Precondition.VERSION, expectedVersion);
    }

    private enum Precondition {
        NONE, VERSION, ABSENT;

        boolean holds(IndexEntry current, long expectedVersion) {
            boolean live = current != null && !current.tombstone();
            return switch (this) {
                case NONE -> true;
                case VERSION -> live && current.version() == expectedVersion;
                case ABSENT -> !live;
            };
        }
    }

    /** What the per-key step decided; filled inside the compute, read after it. */
    private static final class Decision {
        IndexEntry previous;
        boolean applied;
        long version;
        long createdAt;
        long updatedAt;
    }

    private PutResult write(String id, MemoryWrite write, Precondition precondition, long expectedVersion) {
        byte[] idBytes = MemoryRules.idBytes(id);
        byte[] contentBytes = MemoryRules.contentBytes(write.content(), options.maxContentBytes());
        MemoryRules.check(write, dimension);
        gate.enter();
        try {
            // A linearizable read: a precondition that fails here fails at this instant, without a slot.
            IndexEntry seen = index.get(id);
            if (!precondition.holds(seen, expectedVersion)) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, liveVersion(seen));
            }
            SlotAppender.Claim claim = appender.claim(idBytes, contentBytes, SlotLayout.KIND_MEMORY, write);
            Decision decision = new Decision();
            try {
                index.compute(id, (key, current) -> {
                    decision.previous = current;
                    if (!precondition.holds(current, expectedVersion)) {
                        return current;
                    }
                    boolean wasLive = current != null && !current.tombstone();
                    commit(claim, decision, wasLive ? current : null);
                    if (wasLive) {
                        liveContentBytes.addAndGet(claim.recordLength() - (long) current.recordLength());
                    } else {
                        liveIds.add(key);
                        liveCount.incrementAndGet();
                        liveContentBytes.addAndGet(claim.recordLength());
                    }
                    return new IndexEntry(claim.slot(), decision.version, false, claim.recordLength());
                });
            } finally {
                appender.settle(claim, decision.applied);
            }
            if (!decision.applied) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, liveVersion(decision.previous));
            }
            boolean replaced = decision.previous != null && !decision.previous.tombstone();
            StoredMemory stored = new StoredMemory(id, write.content(),
                    write.embedding() == null ? new float[dimension] : write.embedding().clone(),
                    write.confidence(), write.activation(), write.decayRate(),
                    Instant.ofEpochMilli(decision.createdAt), Instant.ofEpochMilli(decision.updatedAt),
                    decision.version, claim.slot());
            return new PutResult(replaced ? PutResult.Status.REPLACED : PutResult.Status.CREATED, stored, 0);
        } finally {
            gate.exit();
        }
    }

    private DeleteResult remove(String id, Precondition precondition, long expectedVersion) {
        byte[] idBytes = MemoryRules.idBytes(id);
        gate.enter();
        try {
            IndexEntry seen = index.get(id);
            if (seen == null || seen.tombstone()) {
                return new DeleteResult(DeleteResult.Status.NOT_FOUND, 0);
            }
            if (!precondition.holds(seen, expectedVersion)) {
                return new DeleteResult(DeleteResult.Status.PRECONDITION_FAILED, seen.version());
            }
            SlotAppender.Claim claim = appender.claim(idBytes, new byte[0], SlotLayout.KIND_TOMBSTONE, null);
            Decision decision = new Decision();
            try {
                index.compute(id, (key, current) -> {
                    decision.previous = current;
                    if (current == null || current.tombstone() || !precondition.holds(current, expectedVersion)) {
                        return current;
                    }
                    commit(claim, decision, current);
                    liveIds.remove(key);
                    liveCount.decrementAndGet();
                    liveContentBytes.addAndGet(-current.recordLength());
                    return new IndexEntry(claim.slot(), decision.version, true, claim.recordLength());
                });
            } finally {
                appender.settle(claim, decision.applied);
            }
            if (decision.applied) {
                return new DeleteResult(DeleteResult.Status.DELETED, decision.version);
            }
            IndexEntry current = decision.previous;
            if (current == null || current.tombstone()) {
                return new DeleteResult(DeleteResult.Status.NOT_FOUND, 0);
            }
            return new DeleteResult(DeleteResult.Status.PRECONDITION_FAILED, current.version());
        } finally {
            gate.exit();
        }
    }

    /** The per-key step's part of a write: runs inside the id's compute. */
    private void commit(SlotAppender.Claim claim, Decision decision, IndexEntry previousLive) {
        long version = lastVersion.incrementAndGet();
        // Before the version is used anywhere: once per block this raises and forces the ceiling,
        // so no power loss can make recovery count from below a version a client has seen.
        ceiling.cover(version);
        long now = clock.millis();
        long createdAt = previousLive == null ? now
                : SlotLayout.CREATED_AT.get(slots.chunkOf(previousLive.slot()), slots.baseOf(previousLive.slot()));
        appender.publish(claim, version, createdAt, now);
        decision.applied = true;
        decision.version = version;
        decision.createdAt = createdAt;
        decision.updatedAt = now;
    }

    private static long liveVersion(IndexEntry entry) {
        return entry == null || entry.tombstone() ? 0 : entry.version();
    }

    // ---- reads -----------------------------------------------------------------------------

    /** The live memory with {@code id}, embedding included. */
    public Optional<StoredMemory> get(String id) {
        return get(id, true);
    }

    /**
     * The live memory with {@code id}.
     *
     * @throws CorruptionException when its slot or record fails a checksum or does not belong to it
     */
    public Optional<StoredMemory> get(String id, boolean withEmbedding) {
        gate.enter();
        try {
            IndexEntry entry = index.get(id);
            if (entry == null || entry.tombstone()) {
                return Optional.empty();
            }
            return Optional.of(reader.read(id, entry, withEmbedding));
        } finally {
            gate.exit();
        }
    }

    /** The live version of {@code id}, 0 when absent; a linearizable read of the index alone. */
    public long version(String id) {
        return liveVersion(index.get(id));
    }

    /**
     * Up to {@code limit} live memories with ids after {@code afterId} (all when null), in id
     * order. Weakly consistent: each memory is read as it is when reached.
     */
    public List<StoredMemory> scan(String afterId, int limit, boolean withEmbedding) {
        return scan(afterId, limit, Long.MAX_VALUE, withEmbedding).memories();
    }

    /**
     * Like {@link #scan(String, int, boolean)}, and stops before the memory whose content record
     * would take the page past {@code maxRecordBytes} (a page always holds at least one memory), so
     * a page's size in memory is bounded whatever the limit. Weakly consistent, as that scan.
     */
    public ScanPage scan(String afterId, int limit, long maxRecordBytes, boolean withEmbedding) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be at least 1, was " + limit);
        }
        gate.enter();
        try {
            NavigableSet<String> ids = afterId == null ? liveIds : liveIds.tailSet(afterId, false);
            return reader.page(ids, index, limit, maxRecordBytes, withEmbedding);
        } finally {
            gate.exit();
        }
    }

    // ---- inspection ------------------------------------------------------------------------

    /** Runs every invariant check now, concurrently with reads and writes. */
    public InvariantReport check() {
        return check(CheckPace.UNPACED);
    }

    /**
     * Runs every invariant check, pausing between batches as {@code pace} says. Closing the store
     * waits for a running check, as for any operation; so that a slow, paced check never holds up
     * a drop, it stops at its next pause once close has begun.
     *
     * @throws StoreClosedException when the store closed before or during the check
     */
    public InvariantReport check(CheckPace pace) {
        gate.enter();
        try {
            return new InvariantChecker(slots, content, allocator, index, clock).check(gate.givingWayToClose(pace));
        } finally {
            gate.exit();
        }
    }

    public StoreStats stats() {
        return new StoreStats(allocator.next(), liveCount.get(), slots.capacity(), content.tail(),
                liveContentBytes.get(), reader.checksumFailures(), appender.abandonedWrites(), flusher.failures(),
                slots.growths() + content.growths());
    }

    public RecoveryReport recovery() {
        return recovery;
    }

    public Path directory() {
        return dir;
    }

    public int embeddingDimension() {
        return dimension;
    }

    public StoreOptions options() {
        return options;
    }

    /** Slot-file and content-log chunks holding writes not yet forced to disk. */
    int unflushedChunks() {
        return slots.dirtyChunks() + content.dirtyChunks();
    }

    /** Force calls (msync) made on either file since open. */
    long forces() {
        return slots.forces() + content.forces();
    }

    /** The store's version ceiling, for tests: its value on disk and the raises since open, the one at open included. */
    VersionCeiling versionCeiling() {
        return ceiling;
    }

    /** Forces every write made so far to disk, whatever the durability mode. */
    public void flush() {
        gate.enter();
        try {
            content.forceDirty();
            slots.forceDirty();
        } finally {
            gate.exit();
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /** Rounds of the interval flusher that completed; 0 in other durability modes. */
    public long flushes() {
        return flusher.runs();
    }

    /** Whether the interval flusher's schedule ended while the store is open (never expected). */
    public boolean flusherStopped() {
        return flusher.stopped();
    }

    /**
     * Waits for operations under way, forces both files, writes the clean-shutdown mark (a
     * snapshot of the index) and releases the directory.
     */
    @Override
    public void close() {
        if (!gate.closeAndAwait()) {
            return;
        }
        // A flush touches the chunks: it must be over before they are unmapped, interrupt or not.
        flusher.close();
        files.close(allocator.next(), lastVersion.get(), index);
    }
}
