package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;

/**
 * Loads a store's index at open, as Kafka's {@code LogLoader} loads a log: one {@link #load()} that
 * returns everything the store starts from. The index is derived data: from the clean-shutdown
 * snapshot when {@link StoreFiles} found one that fits the files, else rebuilt by scanning every
 * slot. The scan keeps committed, checksum-valid slots whose record is valid, the highest version
 * per id winning (deletes are versions too); it clears torn and invalid slots, so they can never
 * come back, recovers the content log ({@link ContentLog#recover}) and forces the repairs before
 * anything new is written on top of them.
 *
 * <p>Threads: the opening thread only, before the store is shared; the loader is used once.
 */
final class StoreLoader {

    /**
     * What the store starts from.
     *
     * @param index            id to highest committed version
     * @param liveIds          the ids whose highest version is a memory, not a tombstone
     * @param liveCount        how many those are
     * @param liveContentBytes their content records' bytes
     * @param nextSlot         the next-slot mark: no slot at or above it holds anything committed
     * @param lastVersion      every version handed out from now on is above this one
     * @param report           what the load found and repaired
     */
    record Loaded(ConcurrentHashMap<String, IndexEntry> index, ConcurrentSkipListSet<String> liveIds, long liveCount,
                  long liveContentBytes, long nextSlot, long lastVersion, RecoveryReport report) {
    }

    /** Most vouched records {@link #vouchedAfter} hands out at once: bounds its heap, about 1 MiB. */
    static final int VOUCHED_BATCH = 1 << 14;

    private final StoreFiles files;
    private final SlotFile slots;
    private final ContentLog content;
    private final VersionCeiling ceiling;
    private final int slotSize;

    StoreLoader(StoreFiles files) {
        this.files = files;
        this.slots = files.generation.slots;
        this.content = files.generation.content;
        this.ceiling = files.ceiling;
        this.slotSize = slots.slotSize();
    }

    /**
     * Loads the index from the snapshot when it holds together, else by scanning.
     *
     * @throws StoreFormatException when a scan is needed and the version ceiling is damaged
     */
    Loaded load() {
        long started = System.nanoTime();
        Loaded restored = files.snapshot.map(snapshot -> restore(snapshot, started)).orElse(null);
        if (restored != null) {
            return restored;
        }
        if (ceiling.found() == VersionCeiling.Found.DAMAGED) {
            throw new StoreFormatException(files.dir.resolve(VersionCeiling.FILE_NAME) + " is damaged (both records"
                    + " fail their checksum) and the store was not closed cleanly, so the highest version ever"
                    + " handed out is unknown: writes lost in a power loss may hold versions above every slot,"
                    + " and reusing them would let a stale If-Match succeed. Restore the file, or delete it to"
                    + " count on from the highest version in the slots, accepting that risk");
        }
        return scan(started);
    }

    /** The index from a clean-shutdown snapshot; null when its entries do not fit its own marks. */
    private Loaded restore(CleanShutdown.Snapshot snapshot, long started) {
        if (snapshot.dimension() != slots.dimension() || snapshot.slotSize() != slotSize) {
            return null;
        }
        ConcurrentHashMap<String, IndexEntry> index = new ConcurrentHashMap<>();
        for (Map.Entry<String, IndexEntry> e : snapshot.entries()) {
            IndexEntry entry = e.getValue();
            if (entry.slot() >= snapshot.nextSlot() || entry.version() > snapshot.lastVersion()) {
                return null;
            }
            index.put(e.getKey(), entry);
        }
        content.restoreTail(snapshot.contentTail());
        return loaded(index, snapshot.nextSlot(), snapshot.lastVersion(), new RecoveryReport.Builder().cleanStart(true),
                started);
    }

    /**
     * Rebuilds the index from the files. Torn and invalid slots are cleared and counted. The heap
     * this takes is the index: one entry per id, not per slot.
     */
    private Loaded scan(long started) {
        long capacity = slots.capacity();
        ContentLog.Recovery log = content.recover(this::vouchedAfter);
        ConcurrentHashMap<String, IndexEntry> index = new ConcurrentHashMap<>();
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
                long version = SlotLayout.VERSION.get(chunk, base);
                maxVersion = Math.max(maxVersion, version);
                IndexEntry candidate = new IndexEntry(slot, version,
                        SlotLayout.KIND.get(chunk, base) == SlotLayout.KIND_TOMBSTONE, SlotLayout.RECORD_LENGTH.get(chunk, base));
                index.merge(id, candidate, (a, b) -> a.version() >= b.version() ? a : b);
            } else if (state == SlotLayout.STATE_ABANDONED) {
                abandoned++;
                next = slot + 1;
            } else if (state != SlotLayout.STATE_EMPTY || !SlotLayout.isBlank(chunk, base, slotSize)) {
                torn++;
                clearSlot(slot);
            }
        }
        // Make the repairs durable before anything new is written on top of them.
        content.forceDirty();
        slots.forceDirty();
        RecoveryReport.Builder report = new RecoveryReport.Builder().created(files.created).slotsScanned(capacity)
                .committedSlots(committed).tornSlotsDiscarded(torn).invalidSlotsDiscarded(invalid)
                .abandonedSlots(abandoned).abandonedRecords(log.abandonedReservations())
                .contentBytesTruncated(log.truncatedBytes()).contentBytesBridged(log.bridgedBytes());
        // The slots alone can understate it: a power loss may have dropped the newest ones, whose
        // versions were acknowledged. The ceiling bounds every version ever handed out.
        return loaded(index, next, Math.max(maxVersion, ceiling.foundCeiling()), report, started);
    }

    /** Completes a load from its index: the live ids and counts, and the report. */
    private Loaded loaded(ConcurrentHashMap<String, IndexEntry> index, long nextSlot, long lastVersion,
                          RecoveryReport.Builder report, long started) {
        ConcurrentSkipListSet<String> liveIds = new ConcurrentSkipListSet<>();
        long live = 0;
        long liveBytes = 0;
        for (Map.Entry<String, IndexEntry> e : index.entrySet()) {
            if (!e.getValue().tombstone()) {
                liveIds.add(e.getKey());
                live++;
                liveBytes += e.getValue().recordLength();
            }
        }
        report.liveMemories(live).tombstones(index.size() - live).lastVersion(lastVersion)
                .versionCeiling(ceiling.foundCeiling())
                .versionCeilingRebuilt(ceiling.found() == VersionCeiling.Found.DAMAGED)
                .generation(files.generation.number).generationsDeleted(files.generationsDeleted)
                .tookMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return new Loaded(index, liveIds, live, liveBytes, nextSlot, lastVersion, report.build());
    }

    /**
     * The smallest {@link #VOUCHED_BATCH} record offsets above {@code from} that committed,
     * checksum-valid slots reference: one scan of the slots, holding at most that many entries.
     */
    private ContentLog.VouchedRecords.Batch vouchedAfter(long from) {
        TreeMap<Long, Integer> smallest = new TreeMap<>();
        boolean leftOut = false;
        for (long slot = 0; slot < slots.capacity(); slot++) {
            ByteBuffer chunk = slots.chunkOf(slot);
            int base = slots.baseOf(slot);
            if (SlotLayout.stateVolatile(chunk, base) != SlotLayout.STATE_COMMITTED) {
                continue;
            }
            long offset = SlotLayout.CONTENT_OFFSET.get(chunk, base);
            if (offset <= from || (leftOut && offset >= smallest.lastKey())
                    || SlotLayout.storedChecksum(chunk, base) != SlotLayout.computeChecksum(chunk, base, slotSize)) {
                continue;
            }
            smallest.put(offset, SlotLayout.RECORD_LENGTH.get(chunk, base));
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
        int kind = SlotLayout.KIND.get(chunk, base);
        long offset = SlotLayout.CONTENT_OFFSET.get(chunk, base);
        int length = SlotLayout.RECORD_LENGTH.get(chunk, base);
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

    private void clearSlot(long slot) {
        SlotLayout.clear(slots.chunkOf(slot), slots.baseOf(slot), slotSize);
        slots.markDirty(slot);
    }
}
