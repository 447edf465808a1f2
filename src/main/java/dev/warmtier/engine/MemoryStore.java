package dev.warmtier.engine;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One store: the slot file, the content log and the index of one directory, with per-key
 * linearizable operations. This class holds the public API and the per-key steps; the other jobs
 * are classes of their own: {@link StoreFiles} opens and closes the files, {@link StoreLoader}
 * loads the index, {@link SlotAppender} writes a slot, {@link MemoryReader} reads one,
 * {@link InFlightGate} counts the operations under way, {@link IntervalFlusher} forces writes
 * in {@code interval} mode and {@link Compactor} copies the live memories into a new
 * {@link Generation} and switches to it.
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
 * its slot without any lock. Every operation reads the {@link #active} generation once, inside the
 * gate, and uses it throughout: a generation switch waits until no operation is under way, so no
 * operation ever holds an index entry of one generation and the files of another.
 *
 * <p>Threads: any number of callers, concurrently; {@link #close} waits for the operations under way.
 */
public final class MemoryStore implements AutoCloseable {

    private final Path dir;
    private final StoreOptions options;
    private final Clock clock;
    private final StoreFiles files;
    private final FileExtender extender;
    /** Bounds every version handed out, durably; see {@link VersionCeiling}. */
    private final VersionCeiling ceiling;
    private final int dimension;
    private final InFlightGate gate;
    /**
     * The generation reads and writes go to, with its allocator, appender and reader. Replaced whole
     * only by a generation switch, while the gate is paused; read once per operation, inside the gate.
     */
    private volatile Active active;
    /**
     * The compaction copying this store, which every write tells of its id before it leaves the
     * gate; null when none copies. Set and cleared by the compacting thread.
     */
    private volatile Compactor compactor;
    /**
     * Held by a compaction from its start to the end of its file work, so that close, which waits
     * for it after the gate, never releases the directory while a compaction still writes or deletes there.
     */
    private final ReentrantLock compactionFiles = new ReentrantLock();
    /**
     * Set by the one compaction of this store that runs; another one is refused, not queued. Not a
     * lock: a thread already compacting (a listener, say) must be refused too.
     */
    private final AtomicBoolean compacting = new AtomicBoolean();
    /** Written by the compacting thread after each compaction; read by reports. */
    private volatile CompactionReport lastCompaction;
    private final IntervalFlusher flusher;
    private final RecoveryReport recovery;

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

    /** The store's counters that outlive a generation; each a counter only, no ordering relied on. */
    static final class Counters {
        final LongAdder abandoned = new LongAdder();
        final LongAdder checksumFailures = new LongAdder();
        /** Chunks the generations before the active one grew; added to at each switch. */
        final AtomicLong growthsBefore = new AtomicLong();
        final LongAdder compactions = new LongAdder();
        final LongAdder compactionFailures = new LongAdder();
        final LongAdder bytesReclaimed = new LongAdder();
        final LongAdder compactionMillis = new LongAdder();
        final LongAdder recallScanned = new LongAdder();
    }

    private final Counters counters = new Counters();
    private final AtomicLong gaveWay = new AtomicLong();

    /**
     * A generation's files and what writes into them and reads from them; {@code live} marks the
     * slots the index names as live, changed together with the index, inside the id's compute.
     */
    record Active(Generation generation, ConcurrentHashMap<String, IndexEntry> index, LiveSlots live,
                  SlotAllocator allocator, SlotAppender appender, MemoryReader reader) {

        static Active of(Generation generation, long nextSlot, ConcurrentHashMap<String, IndexEntry> index,
                         LiveSlots live, StoreOptions options, Counters counters) {
            SlotAllocator allocator = options.allocatorFactory().apply(nextSlot);
            return new Active(generation, index, live, allocator,
                    new SlotAppender(generation.slots, generation.content, allocator, options.durability(),
                            counters.abandoned),
                    new MemoryReader(generation.slots, generation.content, counters.checksumFailures));
        }

        SlotFile slots() {
            return generation.slots;
        }

        ContentLog content() {
            return generation.content;
        }
    }

    private MemoryStore(StoreFiles files, StoreLoader.Loaded loaded, StoreOptions options, FileExtender extender,
                        Clock clock) {
        this.dir = files.dir;
        this.options = options;
        this.clock = clock;
        this.files = files;
        this.ceiling = files.ceiling;
        this.dimension = files.generation.slots.dimension();
        this.liveIds = loaded.liveIds();
        this.lastVersion = new AtomicLong(loaded.lastVersion());
        this.liveCount = new AtomicLong(loaded.liveCount());
        this.liveContentBytes = new AtomicLong(loaded.liveContentBytes());
        this.recovery = loaded.report();
        // Room for the next block of versions now, so that no write after open pays for a force
        // until it crosses a block. A clean start usually has room already, and writes nothing.
        ceiling.cover(loaded.lastVersion() + 1);
        this.active = Active.of(files.generation, loaded.nextSlot(), loaded.index(), LiveSlots.of(loaded.index()),
                options, counters);
        this.extender = extender;
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
            return new MemoryStore(files, new StoreLoader(files).load(), options, extender, clock);
        } catch (RuntimeException e) {
            files.closeAfterFailure(files.generation, e);
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
            Active a = active;
            // A linearizable read: a precondition that fails here fails at this instant, without a slot.
            IndexEntry seen = a.index().get(id);
            if (!precondition.holds(seen, expectedVersion)) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, liveVersion(seen));
            }
            SlotAppender.Claim claim = a.appender().claim(idBytes, contentBytes, SlotLayout.KIND_MEMORY, write);
            Decision decision = new Decision();
            try {
                a.live().reserve(claim.slot());
            } catch (RuntimeException | Error e) {
                a.appender().settle(claim, false); // gives the claimed slot up, as a failed write does
                throw e;
            }
            try {
                a.index().compute(id, (key, current) -> {
                    decision.previous = current;
                    if (!precondition.holds(current, expectedVersion)) {
                        return current;
                    }
                    boolean wasLive = current != null && !current.tombstone();
                    commit(a, claim, decision, wasLive ? current : null);
                    a.live().set(claim.slot());
                    if (wasLive) {
                        a.live().clear(current.slot());
                        liveContentBytes.addAndGet(claim.recordLength() - (long) current.recordLength());
                    } else {
                        liveIds.add(key);
                        liveCount.incrementAndGet();
                        liveContentBytes.addAndGet(claim.recordLength());
                    }
                    return new IndexEntry(claim.slot(), decision.version, false, claim.recordLength());
                });
            } finally {
                settle(a, claim, decision, id);
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
            Active a = active;
            IndexEntry seen = a.index().get(id);
            if (seen == null || seen.tombstone()) {
                return new DeleteResult(DeleteResult.Status.NOT_FOUND, 0);
            }
            if (!precondition.holds(seen, expectedVersion)) {
                return new DeleteResult(DeleteResult.Status.PRECONDITION_FAILED, seen.version());
            }
            SlotAppender.Claim claim = a.appender().claim(idBytes, new byte[0], SlotLayout.KIND_TOMBSTONE, null);
            Decision decision = new Decision();
            try {
                a.index().compute(id, (key, current) -> {
                    decision.previous = current;
                    if (current == null || current.tombstone() || !precondition.holds(current, expectedVersion)) {
                        return current;
                    }
                    commit(a, claim, decision, current);
                    a.live().clear(current.slot());
                    liveIds.remove(key);
                    liveCount.decrementAndGet();
                    liveContentBytes.addAndGet(-current.recordLength());
                    return new IndexEntry(claim.slot(), decision.version, true, claim.recordLength());
                });
            } finally {
                settle(a, claim, decision, id);
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

    /**
     * After the per-key step: makes the slot durable as configured, or gives it up, and tells a
     * compaction of an applied write (applied means visible, so even when the force after it failed).
     */
    private void settle(Active a, SlotAppender.Claim claim, Decision decision, String id) {
        try {
            a.appender().settle(claim, decision.applied);
        } finally {
            if (decision.applied) {
                changed(id);
            }
        }
    }

    /**
     * Tells a compaction copying this store that the write to {@code id} applied, so it copies the
     * id again; nothing when none copies. After the per-key step, before the gate is left.
     */
    private void changed(String id) {
        Compactor copying = compactor;
        if (copying != null) {
            copying.writerChanged(id);
        }
    }

    /** The per-key step's part of a write: runs inside the id's compute. */
    private void commit(Active a, SlotAppender.Claim claim, Decision decision, IndexEntry previousLive) {
        long version = lastVersion.incrementAndGet();
        // Before the version is used anywhere: once per block this raises and forces the ceiling,
        // so no power loss can make recovery count from below a version a client has seen.
        ceiling.cover(version);
        long now = clock.millis();
        long createdAt = previousLive == null ? now
                : SlotLayout.CREATED_AT.get(a.slots().chunkOf(previousLive.slot()), a.slots().baseOf(previousLive.slot()));
        a.appender().publish(claim, version, createdAt, now);
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
            Active a = active;
            IndexEntry entry = a.index().get(id);
            if (entry == null || entry.tombstone()) {
                return Optional.empty();
            }
            return Optional.of(a.reader().read(id, entry, withEmbedding));
        } finally {
            gate.exit();
        }
    }

    /** The live version of {@code id}, 0 when absent; a linearizable read of the index alone. */
    public long version(String id) {
        // Outside the gate: both sides of a generation switch agree on every id's live version.
        return liveVersion(active.index().get(id));
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
            Active a = active;
            return a.reader().page(ids, a.index(), limit, maxRecordBytes, withEmbedding);
        } finally {
            gate.exit();
        }
    }

    // ---- recall ----------------------------------------------------------------------------

    /**
     * The {@code query.k()} live memories most similar to {@code query.embedding()} by cosine
     * similarity, best first, ties by id, each read whole as it was when scored; see {@link Recall}
     * for how the scan reads the files and what it returns while writes and compactions go on.
     *
     * @throws IllegalArgumentException when the query's embedding does not fit this store
     * @throws StoreClosedException     when the store closed meanwhile
     */
    public RecallResult recall(RecallQuery query) {
        MemoryRules.checkEmbedding(query.embedding(), dimension);
        RecallResult result = new Recall(this, gate, query).run();
        counters.recallScanned.add(result.scanned());
        return result;
    }

    /** Live memories recalls scored since open, over every pass. */
    public long recallScanned() {
        return counters.recallScanned.sum();
    }

    // ---- compaction ------------------------------------------------------------------------

    /**
     * Copies the live memories into a new generation and switches to it, giving back the space of
     * replaced and deleted memories, while reads and writes go on; see {@link Compactor}.
     *
     * @throws CompactionRunningException   when a compaction of this store is running already
     * @throws InsufficientStorageException when the file system lacks room for the copy; nothing changed
     * @throws StoreClosedException         when the store closed meanwhile; the old generation stays
     */
    public CompactionReport compact() {
        return compactWith(options.compactors());
    }

    /** Compacts, telling {@code listener} of each phase (tests stop at them). */
    CompactionReport compact(Compactor.Listener listener) {
        return compactWith(store -> new Compactor(store, listener));
    }

    /** Compacts with the compactor {@code compactors} makes for this store. */
    private CompactionReport compactWith(Function<MemoryStore, Compactor> compactors) {
        if (!compacting.compareAndSet(false, true)) {
            throw new CompactionRunningException("a compaction of " + dir + " is running already");
        }
        compactionFiles.lock();
        try {
            CompactionReport report = compactors.apply(this).run();
            lastCompaction = report;
            counters.compactions.increment();
            counters.bytesReclaimed.add(report.bytesReclaimed());
            counters.compactionMillis.add(report.tookMillis());
            return report;
        } catch (RuntimeException | Error e) {
            counters.compactionFailures.increment();
            throw e;
        } finally {
            compactionFiles.unlock();
            compacting.set(false);
        }
    }

    /** Whether a compaction of this store is running now. */
    public boolean compacting() {
        return compacting.get();
    }

    /** The last compaction's report since open, if any. */
    public Optional<CompactionReport> lastCompaction() {
        return Optional.ofNullable(lastCompaction);
    }

    public CompactionStats compactionStats() {
        return new CompactionStats(counters.compactions.sum(), counters.compactionFailures.sum(),
                counters.bytesReclaimed.sum(), counters.compactionMillis.sum(), compacting.get(), lastCompaction());
    }

    InFlightGate gate() {
        return gate;
    }

    Active active() {
        return active;
    }

    Counters counters() {
        return counters;
    }

    FileExtender extender() {
        return extender;
    }

    FileIo io() {
        return files.io;
    }

    Clock clock() {
        return clock;
    }

    long liveCount() {
        return liveCount.get();
    }

    long liveContentBytes() {
        return liveContentBytes.get();
    }

    /** Starts or stops telling {@code copying} of every write's id. */
    void compactingInto(Compactor copying) {
        compactor = copying;
    }

    /** The compaction writes tell of their ids now, or null. */
    Compactor copyingInto() {
        return compactor;
    }

    /** Serves {@code next} from now on; only while the gate is paused. */
    void activate(Active next, long growthsOfReplaced) {
        counters.growthsBefore.addAndGet(growthsOfReplaced);
        active = next;
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
        while (true) {
            Active[] checking = new Active[1];
            // Rests outside the gate, so a drop or a switch never waits for the check.
            InFlightGate.Stay stay = gate.new Stay(pace, () -> active == checking[0]);
            stay.enter();
            try {
                Active a = active;
                checking[0] = a;
                return new InvariantChecker(a.slots(), a.content(), a.allocator(), a.index(), clock).check(stay);
            } catch (InFlightGate.GaveWayException e) {
                // A generation switch happened while it rested: check the generation it made current.
                gaveWay.incrementAndGet();
            } finally {
                stay.exit();
            }
        }
    }

    /** Checks that started again because a generation switch was waiting for them. */
    long checksRestarted() {
        return gaveWay.get();
    }

    public StoreStats stats() {
        Active a = active;
        return new StoreStats(a.allocator().next(), liveCount.get(), a.slots().capacity(), a.content().tail(),
                liveContentBytes.get(), counters.checksumFailures.sum(), counters.abandoned.sum(), flusher.failures(),
                counters.growthsBefore.get() + a.slots().growths() + a.content().growths());
    }

    /** Bytes the data files of the current generation take on disk (file sizes, so growth ahead counts). */
    public long dataFileBytes() {
        while (true) {
            Active a = active;
            try {
                return a.generation().fileBytes();
            } catch (UncheckedIOException e) {
                if (a == active) {
                    throw e;
                }
                // A compaction switched generations and deleted these files meanwhile: read the new ones.
            }
        }
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
        Active a = active;
        return a.slots().dirtyChunks() + a.content().dirtyChunks();
    }

    /** Force calls (msync) made on either file since open. */
    long forces() {
        Active a = active;
        return a.slots().forces() + a.content().forces();
    }

    /** The store's version ceiling, for tests: its value on disk and the raises since open, the one at open included. */
    VersionCeiling versionCeiling() {
        return ceiling;
    }

    /** Forces every write made so far to disk, whatever the durability mode. */
    public void flush() {
        // Counted as a force, not an operation: a compaction's switch does not wait for it (forcing
        // the old generation meanwhile harms nothing), and unmaps the old one only after it.
        gate.enterForce();
        try {
            // The compaction first, then the active generation: a switch swaps the generation before
            // it clears the compaction, so the new generation is forced either way.
            Compactor copying = compactor;
            Generation current = active.generation();
            if (copying != null) {
                // What writers copied into a compaction's new generation is as durable as their writes.
                copying.forceCopies();
            }
            current.forceDirty();
        } finally {
            gate.exitForce();
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
        // A compaction gives up at its next gate entry; its file work (deleting what it wrote, or the
        // old generation) ends before the directory is released.
        compactionFiles.lock();
        try {
            Active a = active;
            files.close(a.generation(), a.allocator().next(), lastVersion.get(), a.index());
        } finally {
            compactionFiles.unlock();
        }
    }
}
