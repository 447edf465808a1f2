package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

/**
 * One store: the slot file, the content log and the index of one directory, with per-key
 * linearizable operations.
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
 */
public final class MemoryStore implements AutoCloseable {

    private final Path dir;
    private final StoreOptions options;
    private final Clock clock;
    private final DataDirLock dirLock;
    /** Runs every I/O on the shared file channels, where a caller's interrupt cannot reach it. */
    private final FileIo io;
    private final SlotFile slots;
    private final ContentLog content;
    private final SlotAllocator allocator;
    /** Bounds every version handed out, durably; see {@link VersionCeiling}. */
    private final VersionCeiling ceiling;
    private final int slotSize;
    private final int dimension;

    /** id -> highest committed version; per-key writes serialize on this map's compute. */
    private final ConcurrentHashMap<String, IndexEntry> index = new ConcurrentHashMap<>();
    /** Ids whose highest version is live, in id order for paging; changed only inside the id's compute. */
    private final ConcurrentSkipListSet<String> liveIds = new ConcurrentSkipListSet<>();
    /**
     * The last version taken; incremented only inside a compute, so per id it orders writes. A
     * taken version is used only once the {@link #ceiling} on disk covers it.
     */
    private final AtomicLong lastVersion = new AtomicLong();
    /** Live memories and their record bytes; changed only inside a compute, together with the index. */
    private final AtomicLong liveCount = new AtomicLong();
    private final AtomicLong liveContentBytes = new AtomicLong();
    private final LongAdder readChecksumFailures = new LongAdder();
    private final LongAdder abandonedWrites = new LongAdder();

    /**
     * Operations under way; close waits for zero after setting {@link #closed}. One AtomicLong,
     * not a LongAdder: a LongAdder's sum is no snapshot (an increment and its decrement may land in
     * different cells), so close could read zero while an operation still touches a chunk.
     */
    private final AtomicLong inFlight = new AtomicLong();
    private volatile boolean closed;
    private final BackgroundTask flusher;
    private final RecoveryReport recovery;

    private MemoryStore(Path dir, StoreOptions options, Clock clock, DataDirLock dirLock, FileIo io, SlotFile slots,
                        ContentLog content, VersionCeiling ceiling, Optional<CleanShutdown.Snapshot> snapshot,
                        boolean created) {
        this.dir = dir;
        this.options = options;
        this.clock = clock;
        this.dirLock = dirLock;
        this.io = io;
        this.slots = slots;
        this.content = content;
        this.ceiling = ceiling;
        this.slotSize = slots.slotSize();
        this.dimension = slots.dimension();
        long started = System.nanoTime();
        RecoveryReport report = snapshot.map(this::restore).orElse(null);
        if (report == null) {
            if (ceiling.found() == VersionCeiling.Found.DAMAGED) {
                throw new StoreFormatException(dir.resolve(VersionCeiling.FILE_NAME) + " is damaged (both records"
                        + " fail their checksum) and the store was not closed cleanly, so the highest version ever"
                        + " handed out is unknown: writes lost in a power loss may hold versions above every slot,"
                        + " and reusing them would let a stale If-Match succeed. Restore the file, or delete it to"
                        + " count on from the highest version in the slots, accepting that risk");
            }
            report = recoverByScan(started, created);
        }
        this.recovery = report;
        // Room for the next block of versions now, so that no write after open pays for a force
        // until it crosses a block. A clean start usually has room already, and writes nothing.
        ceiling.cover(lastVersion.get() + 1);
        this.allocator = options.allocatorFactory().apply(nextSlotMark);
        this.flusher = options.durability() == Durability.INTERVAL ? startFlusher() : null;
        // From here on the channels are shared by every caller: their I/O moves to the I/O thread.
        io.serve();
    }

    /** Set by recovery, read once by the constructor to seed the allocator. */
    private long nextSlotMark;

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
     * small blocks. Everything that can refuse the files (formats, a missing or truncated content
     * log the slots vouch for, a header never completed that something depends on) is checked
     * before anything is written, so a refused open leaves the files as they were.
     */
    static MemoryStore open(Path dir, StoreOptions options, FileExtender extender, Clock clock, long versionBlock) {
        try {
            StoreDirectory.create(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create store directory " + dir, e);
        }
        DataDirLock lock = DataDirLock.acquire(dir);
        FileIo io = new FileIo(String.valueOf(dir.getFileName()));
        SlotFile slotFile = null;
        ContentLog log = null;
        VersionCeiling versionCeiling = null;
        try {
            Optional<CleanShutdown.Snapshot> mark = CleanShutdown.read(dir);
            long now = clock.millis();
            boolean created = !Files.exists(dir.resolve(SlotFile.FILE_NAME));
            Path logPath = dir.resolve(ContentLog.FILE_NAME);
            slotFile = SlotFile.open(dir, options, extender, io, now, () -> recordsIn(logPath));
            SlotFile opened = slotFile;
            log = ContentLog.open(dir, options, extender, io, now, () -> committedSlotsIn(opened));
            ContentLog openedLog = log;
            Optional<CleanShutdown.Snapshot> snapshot = mark.filter(s -> stampsMatch(dir, s) && fits(s, opened, openedLog));
            if (snapshot.isEmpty()) {
                requireVouchedRecords(slotFile, log);
            }
            // Deleted before anything is written: a crash from here on leaves no mark.
            CleanShutdown.delete(dir);
            // The first chunk of each file (64 KiB by default), so the first writes grow nothing.
            slotFile.ensure(0);
            log.ensureCapacity(1);
            versionCeiling = VersionCeiling.open(dir, versionBlock, io);
            return new MemoryStore(dir, options, clock, lock, io, slotFile, log, versionCeiling, snapshot, created);
        } catch (RuntimeException e) {
            closeAll(e, versionCeiling, log, slotFile, io, lock);
            throw e;
        }
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

    /** What in a content log depends on a slot file that would be made new: any record. */
    private static Optional<String> recordsIn(Path logPath) {
        try {
            if (Files.exists(logPath) && Files.size(logPath) > ContentRecordLayout.HEADER_BYTES
                    && !HeaderedFile.isZero(logPath, ContentRecordLayout.HEADER_BYTES, Files.size(logPath))) {
                return Optional.of(logPath + " holds records that only its slots can reference");
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + logPath, e);
        }
    }

    /** What in a slot file depends on a content log that would be made new: committed slots. */
    private static Optional<String> committedSlotsIn(SlotFile slots) {
        long committed = 0;
        for (long slot = 0; slot < slots.capacity(); slot++) {
            if (SlotLayout.stateVolatile(slots.chunkOf(slot), slots.baseOf(slot)) == SlotLayout.STATE_COMMITTED) {
                committed++;
            }
        }
        return committed == 0 ? Optional.empty()
                : Optional.of(committed + " committed slots of " + slots.path() + " reference its records");
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
                long recordEnd = SlotLayout.contentOffset(chunk, base) + SlotLayout.recordLength(chunk, base);
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

    private static boolean fits(CleanShutdown.Snapshot snapshot, SlotFile slots, ContentLog log) {
        return snapshot.nextSlot() <= slots.capacity() && snapshot.contentTail() <= log.capacity();
    }

    private static boolean stampsMatch(Path dir, CleanShutdown.Snapshot snapshot) {
        try {
            return java.util.Arrays.equals(snapshot.fileStamps(), CleanShutdown.stamps(
                    dir.resolve(SlotFile.FILE_NAME), dir.resolve(ContentLog.FILE_NAME)));
        } catch (IOException e) {
            return false;
        }
    }

    // ---- recovery --------------------------------------------------------------------------

    /** Loads the index from a clean-shutdown snapshot; null when it does not fit the files. */
    private RecoveryReport restore(CleanShutdown.Snapshot snapshot) {
        long started = System.nanoTime();
        if (snapshot.dimension() != dimension || snapshot.slotSize() != slotSize || !fits(snapshot, slots, content)) {
            return null;
        }
        long live = 0;
        long liveBytes = 0;
        for (Map.Entry<String, IndexEntry> e : snapshot.entries()) {
            IndexEntry entry = e.getValue();
            if (entry.slot() >= snapshot.nextSlot() || entry.version() > snapshot.lastVersion()) {
                index.clear();
                liveIds.clear();
                return null;
            }
            index.put(e.getKey(), entry);
            if (!entry.tombstone()) {
                liveIds.add(e.getKey());
                live++;
                liveBytes += entry.recordLength();
            }
        }
        content.restoreTail(snapshot.contentTail());
        nextSlotMark = snapshot.nextSlot();
        lastVersion.set(snapshot.lastVersion());
        liveCount.set(live);
        liveContentBytes.set(liveBytes);
        return new RecoveryReport(true, false, 0, 0, 0, 0, 0, 0, 0, 0, live, index.size() - live,
                snapshot.lastVersion(), ceiling.foundCeiling(), ceiling.found() == VersionCeiling.Found.DAMAGED,
                millisSince(started));
    }

    /**
     * Rebuilds the index from the files: committed, checksum-valid slots whose record is valid are
     * candidates and the highest version per id wins. Torn and invalid slots are cleared, so they
     * can never come back, and counted.
     */
    private RecoveryReport recoverByScan(long started, boolean created) {
        long capacity = slots.capacity();
        ContentLog.Recovery log = content.recover(this::vouchedAfter);

        // Candidates are checksum-valid slots whose record is valid; the highest version per id wins.
        // The heap this takes is the index: one entry per id, not per slot.
        long committed = 0;
        long torn = 0;
        long invalid = 0;
        long abandoned = 0;
        long next = 0;
        long maxVersion = 0;
        for (long slot = 0; slot < capacity; slot++) {
            ByteBuffer chunk = slots.chunkOf(slot);
            int base = slots.baseOf(slot);
            int state = SlotLayout.stateVolatile(chunk, base);
            if (state == SlotLayout.STATE_COMMITTED) {
                boolean checksumValid = SlotLayout.storedChecksum(chunk, base)
                        == SlotLayout.computeChecksum(chunk, base, slotSize);
                String id = checksumValid ? validRecordId(chunk, base, log.tail()) : null;
                if (id == null) {
                    invalid++;
                    clearSlot(slot);
                    continue;
                }
                committed++;
                next = slot + 1;
                long version = SlotLayout.version(chunk, base);
                maxVersion = Math.max(maxVersion, version);
                IndexEntry candidate = new IndexEntry(slot, version,
                        SlotLayout.kind(chunk, base) == SlotLayout.KIND_TOMBSTONE, SlotLayout.recordLength(chunk, base));
                index.merge(id, candidate, (a, b) -> a.version() >= b.version() ? a : b);
            } else if (state == SlotLayout.STATE_ABANDONED) {
                abandoned++;
                next = slot + 1;
            } else if (state != SlotLayout.STATE_EMPTY || !SlotLayout.isBlank(chunk, base, slotSize)) {
                torn++;
                clearSlot(slot);
            }
        }
        long live = 0;
        long liveBytes = 0;
        for (Map.Entry<String, IndexEntry> e : index.entrySet()) {
            if (!e.getValue().tombstone()) {
                liveIds.add(e.getKey());
                live++;
                liveBytes += e.getValue().recordLength();
            }
        }
        nextSlotMark = next;
        // The slots alone can understate it: a power loss may have dropped the newest ones, whose
        // versions were acknowledged. The ceiling bounds every version ever handed out.
        lastVersion.set(Math.max(maxVersion, ceiling.foundCeiling()));
        liveCount.set(live);
        liveContentBytes.set(liveBytes);
        // Make the repairs durable before anything new is written on top of them.
        content.forceDirty();
        slots.forceDirty();
        return new RecoveryReport(false, created, capacity, committed, torn, invalid, abandoned,
                log.abandonedReservations(), log.truncatedBytes(), log.bridgedBytes(), live, index.size() - live,
                lastVersion.get(), ceiling.foundCeiling(), false, millisSince(started));
    }

    /** Most vouched records {@link #vouchedAfter} hands out at once: bounds its heap, about 1 MiB. */
    static final int VOUCHED_BATCH = 1 << 14;

    /**
     * The smallest {@link #VOUCHED_BATCH} record offsets above {@code from} that committed,
     * checksum-valid slots reference: one scan of the slots, holding at most that many entries.
     */
    private ContentLog.VouchedRecords.Batch vouchedAfter(long from) {
        java.util.TreeMap<Long, Integer> smallest = new java.util.TreeMap<>();
        boolean leftOut = false;
        for (long slot = 0; slot < slots.capacity(); slot++) {
            ByteBuffer chunk = slots.chunkOf(slot);
            int base = slots.baseOf(slot);
            if (SlotLayout.stateVolatile(chunk, base) != SlotLayout.STATE_COMMITTED) {
                continue;
            }
            long offset = SlotLayout.contentOffset(chunk, base);
            if (offset <= from || (leftOut && offset >= smallest.lastKey())
                    || SlotLayout.storedChecksum(chunk, base) != SlotLayout.computeChecksum(chunk, base, slotSize)) {
                continue;
            }
            smallest.put(offset, SlotLayout.recordLength(chunk, base));
            if (smallest.size() > VOUCHED_BATCH) {
                smallest.pollLastEntry();
                leftOut = true;
            }
        }
        long[] offsets = new long[smallest.size()];
        int[] lengths = new int[smallest.size()];
        int i = 0;
        for (Map.Entry<Long, Integer> e : smallest.entrySet()) {
            offsets[i] = e.getKey();
            lengths[i++] = e.getValue();
        }
        return new ContentLog.VouchedRecords.Batch(offsets, lengths, !leftOut);
    }

    /** The id a checksum-valid committed slot belongs to, or null when its record is not valid. */
    private String validRecordId(ByteBuffer chunk, int base, long contentTail) {
        int kind = SlotLayout.kind(chunk, base);
        long offset = SlotLayout.contentOffset(chunk, base);
        int length = SlotLayout.recordLength(chunk, base);
        if ((kind != SlotLayout.KIND_MEMORY && kind != SlotLayout.KIND_TOMBSTONE) || offset < 0
                || offset + length > contentTail) {
            return null;
        }
        try {
            return decodeId(content.read(offset, length).id());
        } catch (CorruptionException e) {
            return null;
        }
    }

    private void clearSlot(long slot) {
        SlotLayout.clear(slots.chunkOf(slot), slots.baseOf(slot), slotSize);
        slots.markDirty(slot);
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

    /** A claimed slot whose payload is written and summed, waiting for its per-key step. */
    private record Prepared(long slot, ByteBuffer chunk, int base, CRC32C payloadCrc, long recordOffset,
                            int recordLength) {
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
        enter();
        try {
            // A linearizable read: a precondition that fails here fails at this instant, without a slot.
            IndexEntry seen = index.get(id);
            if (!precondition.holds(seen, expectedVersion)) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, liveVersion(seen));
            }
            Prepared prepared = prepare(idBytes, contentBytes, SlotLayout.KIND_MEMORY, write);
            Decision decision = new Decision();
            try {
                index.compute(id, (key, current) -> {
                    decision.previous = current;
                    if (!precondition.holds(current, expectedVersion)) {
                        return current;
                    }
                    boolean wasLive = current != null && !current.tombstone();
                    commit(prepared, decision, wasLive ? current : null);
                    if (wasLive) {
                        liveContentBytes.addAndGet(prepared.recordLength() - (long) current.recordLength());
                    } else {
                        liveIds.add(key);
                        liveCount.incrementAndGet();
                        liveContentBytes.addAndGet(prepared.recordLength());
                    }
                    return new IndexEntry(prepared.slot(), decision.version, false, prepared.recordLength());
                });
            } finally {
                settle(prepared, decision.applied);
            }
            if (!decision.applied) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, liveVersion(decision.previous));
            }
            boolean replaced = decision.previous != null && !decision.previous.tombstone();
            StoredMemory stored = new StoredMemory(id, write.content(),
                    write.embedding() == null ? new float[dimension] : write.embedding().clone(),
                    write.confidence(), write.activation(), write.decayRate(),
                    Instant.ofEpochMilli(decision.createdAt), Instant.ofEpochMilli(decision.updatedAt),
                    decision.version, prepared.slot());
            return new PutResult(replaced ? PutResult.Status.REPLACED : PutResult.Status.CREATED, stored, 0);
        } finally {
            exit();
        }
    }

    private DeleteResult remove(String id, Precondition precondition, long expectedVersion) {
        byte[] idBytes = MemoryRules.idBytes(id);
        enter();
        try {
            IndexEntry seen = index.get(id);
            if (seen == null || seen.tombstone()) {
                return new DeleteResult(DeleteResult.Status.NOT_FOUND, 0);
            }
            if (!precondition.holds(seen, expectedVersion)) {
                return new DeleteResult(DeleteResult.Status.PRECONDITION_FAILED, seen.version());
            }
            Prepared prepared = prepare(idBytes, new byte[0], SlotLayout.KIND_TOMBSTONE, null);
            Decision decision = new Decision();
            try {
                index.compute(id, (key, current) -> {
                    decision.previous = current;
                    if (current == null || current.tombstone() || !precondition.holds(current, expectedVersion)) {
                        return current;
                    }
                    commit(prepared, decision, current);
                    liveIds.remove(key);
                    liveCount.decrementAndGet();
                    liveContentBytes.addAndGet(-current.recordLength());
                    return new IndexEntry(prepared.slot(), decision.version, true, prepared.recordLength());
                });
            } finally {
                settle(prepared, decision.applied);
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
            exit();
        }
    }

    /**
     * Deletes each space can still take while the disk is full: every write but a delete leaves
     * room in the mapped chunks for this many tombstones (slots and records).
     */
    static final int DELETE_HEADROOM = 16;

    /**
     * Appends the record and fills a freshly claimed slot. The slot number comes from the
     * allocator's single atomic claim and nothing else.
     *
     * <p>Room comes first: the slot file is grown for the next claim, then the record appended
     * (growing the log), and only then is a slot claimed, below the mapped capacity. So a write
     * that fails for lack of room has claimed no slot number and appended nothing, and the next
     * write needs one growth step, not one per failed attempt. A write other than a delete leaves
     * {@link #DELETE_HEADROOM} tombstones of room behind it.
     */
    private Prepared prepare(byte[] idBytes, byte[] contentBytes, int kind, MemoryWrite write) {
        boolean delete = kind == SlotLayout.KIND_TOMBSTONE;
        long slotHeadroom = delete ? 0 : DELETE_HEADROOM;
        slots.ensure(allocator.next() + slotHeadroom);
        long recordOffset = content.append(idBytes, contentBytes, delete ? 0 : contentHeadroom());
        int recordLength = ContentRecordLayout.recordLength(idBytes.length, contentBytes.length);
        if (options.durability() == Durability.ALWAYS) {
            content.force(recordOffset, recordLength);
        }
        long slot = claimSlot(slotHeadroom);
        ByteBuffer chunk = slots.chunkOf(slot);
        int base = slots.baseOf(slot);
        try {
            CRC32C payloadCrc = SlotFile.fill(chunk, base, slotSize, recordOffset, recordLength, kind, write);
            allocator.used(slot);
            return new Prepared(slot, chunk, base, payloadCrc, recordOffset, recordLength);
        } catch (RuntimeException e) {
            abandon(slot, chunk, base);
            throw e;
        }
    }

    private int contentHeadroom() {
        return DELETE_HEADROOM * ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, 0);
    }

    /**
     * Claims a slot below the mapped capacity, less {@code headroom}, growing the slot file when
     * other writers took the room meanwhile.
     *
     * @throws InsufficientStorageException when the file cannot grow; no slot number was claimed
     */
    private long claimSlot(long headroom) {
        while (true) {
            long slot = allocator.claim(slots.capacity() - headroom);
            if (slot >= 0) {
                return slot;
            }
            slots.ensure(allocator.next() + headroom);
        }
    }

    /** The per-key step's part of a write: runs inside the id's compute. */
    private void commit(Prepared prepared, Decision decision, IndexEntry previousLive) {
        long version = lastVersion.incrementAndGet();
        // Before the version is used anywhere: once per block this raises and forces the ceiling,
        // so no power loss can make recovery count from below a version a client has seen.
        ceiling.cover(version);
        long now = clock.millis();
        long createdAt = previousLive == null ? now
                : SlotLayout.createdAt(slots.chunkOf(previousLive.slot()), slots.baseOf(previousLive.slot()));
        SlotFile.publish(prepared.chunk(), prepared.base(), prepared.payloadCrc(), version, createdAt, now);
        decision.applied = true;
        decision.version = version;
        decision.createdAt = createdAt;
        decision.updatedAt = now;
    }

    /** After the per-key step: make a committed slot durable as configured, or give it up. */
    private void settle(Prepared prepared, boolean committed) {
        if (!committed) {
            abandon(prepared.slot(), prepared.chunk(), prepared.base());
            return;
        }
        // Marked in every mode, so flush() and the interval flusher know the chunk; ALWAYS also
        // forces the slot's range now, before the write is acknowledged.
        slots.markDirty(prepared.slot());
        if (options.durability() == Durability.ALWAYS) {
            slots.force(prepared.slot());
        }
    }

    private void abandon(long slot, ByteBuffer chunk, int base) {
        SlotLayout.stateOrdered(chunk, base, SlotLayout.STATE_ABANDONED);
        slots.markDirty(slot);
        abandonedWrites.increment();
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
        enter();
        try {
            IndexEntry entry = index.get(id);
            if (entry == null || entry.tombstone()) {
                return Optional.empty();
            }
            return Optional.of(read(id, entry, withEmbedding));
        } finally {
            exit();
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
        enter();
        try {
            NavigableSet<String> ids = afterId == null ? liveIds : liveIds.tailSet(afterId, false);
            List<StoredMemory> page = new ArrayList<>(Math.min(limit, 1024));
            long bytes = 0;
            for (String id : ids) {
                IndexEntry entry = index.get(id);
                if (entry == null || entry.tombstone()) {
                    continue;
                }
                if (page.size() == limit || (!page.isEmpty() && bytes + entry.recordLength() > maxRecordBytes)) {
                    return new ScanPage(page, true);
                }
                page.add(read(id, entry, withEmbedding));
                bytes += entry.recordLength();
            }
            return new ScanPage(page, false);
        } finally {
            exit();
        }
    }

    private StoredMemory read(String id, IndexEntry entry, boolean withEmbedding) {
        long slot = entry.slot();
        ByteBuffer chunk = slots.chunkOf(slot);
        int base = slots.baseOf(slot);
        String unreadable = SlotFile.unreadable(chunk, base, slotSize);
        if (unreadable != null) {
            if (SlotFile.FAILS_CHECKSUM.equals(unreadable)) {
                readChecksumFailures.increment();
            }
            throw new CorruptionException("slot " + slot + " of id '" + id + "' " + unreadable);
        }
        long version = SlotLayout.version(chunk, base);
        if (version != entry.version()) {
            throw new CorruptionException("slot " + slot + " of id '" + id + "' holds version " + version
                    + ", the index says " + entry.version());
        }
        ContentLog.Entry record;
        try {
            record = content.read(SlotLayout.contentOffset(chunk, base), SlotLayout.recordLength(chunk, base));
        } catch (CorruptionException e) {
            readChecksumFailures.increment();
            throw e;
        }
        String storedId = new String(record.id(), StandardCharsets.UTF_8);
        if (!storedId.equals(id)) {
            throw new CorruptionException("slot " + slot + " holds id '" + storedId + "', the index says '" + id + "'");
        }
        return new StoredMemory(id, new String(record.content(), StandardCharsets.UTF_8),
                withEmbedding ? SlotLayout.embedding(chunk, base, dimension) : null,
                SlotLayout.confidence(chunk, base), SlotLayout.activation(chunk, base),
                SlotLayout.decayRate(chunk, base),
                Instant.ofEpochMilli(SlotLayout.createdAt(chunk, base)),
                Instant.ofEpochMilli(SlotLayout.updatedAt(chunk, base)), version, slot);
    }

    private static String decodeId(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
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
        enter();
        try {
            CheckPace givingWayToClose = () -> {
                if (closed) {
                    throw new StoreClosedException("store " + dir + " closed during an invariant check");
                }
                pace.pause();
            };
            return new InvariantChecker(slots, content, allocator, index, clock).check(givingWayToClose);
        } finally {
            exit();
        }
    }

    public StoreStats stats() {
        return new StoreStats(allocator.next(), liveCount.get(), slots.capacity(), content.tail(),
                liveContentBytes.get(), readChecksumFailures.sum(), abandonedWrites.sum(), flusher == null ? 0 : flusher.failures(),
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
        enter();
        try {
            content.forceDirty();
            slots.forceDirty();
        } finally {
            exit();
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------

    /**
     * The interval flusher. A failed round (a force that threw, or anything else, even an
     * OutOfMemoryError) is counted and reported, and the next round comes at its time: the chunk
     * whose force failed stays dirty, so it is tried again.
     */
    private BackgroundTask startFlusher() {
        return BackgroundTask.start("warmtier-flush-" + dir.getFileName(), options.syncInterval(), () -> {
            try {
                flush();
            } catch (StoreClosedException e) {
                // Close forces everything itself.
            }
        }, failure -> Thread.currentThread().getUncaughtExceptionHandler()
                .uncaughtException(Thread.currentThread(), failure));
    }

    /** Rounds of the interval flusher that completed; 0 in other durability modes. */
    public long flushes() {
        return flusher == null ? 0 : flusher.runs();
    }

    /** Whether the interval flusher's schedule ended while the store is open (never expected). */
    public boolean flusherStopped() {
        return flusher != null && flusher.stopped();
    }

    private void enter() {
        inFlight.incrementAndGet();
        if (closed) {
            inFlight.decrementAndGet();
            throw new StoreClosedException("store " + dir + " is closed");
        }
    }

    private void exit() {
        inFlight.decrementAndGet();
    }

    /**
     * Waits for operations under way, forces both files, writes the clean-shutdown mark (a
     * snapshot of the index) and releases the directory.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // enter() increments before it reads closed, and we wrote closed before reading the sum,
        // so every operation either saw closed or is counted here.
        while (inFlight.get() != 0) {
            LockSupport.parkNanos(50_000);
        }
        if (flusher != null) {
            // A flush touches the chunks: it must be over before they are unmapped, interrupt or not.
            flusher.close();
        }
        // Nothing can need a growth or a raise any more; the I/O that is left runs on this thread.
        io.close();
        RuntimeException failure = null;
        try {
            content.close();
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            slots.close();
        } catch (RuntimeException e) {
            failure = joined(failure, e);
        }
        if (failure == null) {
            // Only after both files were forced and closed without a failure does the mark vouch for them.
            try {
                io.call(() -> {
                    CleanShutdown.write(dir, new CleanShutdown.Snapshot(dimension, slotSize, allocator.next(),
                            content.tail(), lastVersion.get(),
                            CleanShutdown.stamps(dir.resolve(SlotFile.FILE_NAME), dir.resolve(ContentLog.FILE_NAME)),
                            new ArrayList<>(index.entrySet())));
                    return null;
                });
            } catch (IOException e) {
                failure = new UncheckedIOException("cannot close store " + dir, e);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        closeAll(failure == null ? new StoreException("closing " + dir) : failure, ceiling, dirLock);
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException joined(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private static long millisSince(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
