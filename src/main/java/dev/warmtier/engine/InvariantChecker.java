package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A full scan of one store that counts every invariant violation of the contract's report. It
 * runs alongside reads and writes, so every count is defined so that an in-flight write is never a
 * violation, and a suspicion about one id is confirmed inside that id's compute, where no write of
 * it can be half done.
 *
 * <p>Threads: made for one check and used by the checking thread alone, concurrently with every
 * reader and writer; it writes nothing, and takes a suspect id's compute only to confirm it.
 */
final class InvariantChecker {

    private final SlotFile slots;
    private final ContentLog content;
    private final SlotAllocator allocator;
    private final ConcurrentHashMap<String, IndexEntry> index;
    private final Clock clock;
    private final int slotSize;

    InvariantChecker(SlotFile slots, ContentLog content, SlotAllocator allocator,
                     ConcurrentHashMap<String, IndexEntry> index, Clock clock) {
        this.slots = slots;
        this.content = content;
        this.allocator = allocator;
        this.index = index;
        this.clock = clock;
        this.slotSize = slots.slotSize();
    }

    /**
     * Checks everything once, comparing each committed slot with the index as it is scanned (no
     * second map of every id); {@code pace} is called between batches so a periodic check can be
     * spread out over time.
     */
    InvariantReport check(CheckPace pace) {
        long started = System.nanoTime();
        PacedWork work = new PacedWork(pace);
        long mark = allocator.next();
        long capacity = slots.capacity();
        long scanned = Math.min(mark, capacity);

        // 1. Committed slots below the mark: checksums, and versions the index does not know.
        long checksumFailures = 0;
        long indexMismatches = 0;
        Set<String> lagging = new HashSet<>(); // ids counted already; empty when healthy
        for (long slot = 0; slot < scanned; slot++) {
            work.unitDone();
            ByteBuffer chunk = slots.chunkOf(slot);
            int base = slots.baseOf(slot);
            if (SlotLayout.stateVolatile(chunk, base) != SlotLayout.STATE_COMMITTED) {
                continue;
            }
            if (SlotLayout.storedChecksum(chunk, base) != SlotLayout.computeChecksum(chunk, base, slotSize)) {
                checksumFailures++;
                continue;
            }
            String id = recordId(chunk, base);
            if (id == null) {
                continue; // a bad record is counted by the content scan below
            }
            long version = SlotLayout.VERSION.get(chunk, base);
            IndexEntry entry = index.get(id);
            if ((entry == null || entry.version() < version) && !indexCaughtUp(id, version) && lagging.add(id)) {
                indexMismatches++; // an id with a committed version newer than what the index serves
            }
        }

        // 2. Data at or past the next-slot mark: a slot is only written after it is claimed.
        long nonMonotonic = 0;
        for (long slot = scanned; slot < capacity; slot++) {
            work.unitDone();
            ByteBuffer chunk = slots.chunkOf(slot);
            int base = slots.baseOf(slot);
            if (!SlotLayout.isBlank(chunk, base, slotSize) && slot >= allocator.next()) {
                nonMonotonic++;
            }
        }

        // 3. The index: every entry backed by its committed slot; live slots and records not shared.
        // (Memory here is proportional to the live ids, like the index itself.)
        Map<Long, Integer> liveSlotUse = new HashMap<>();
        List<long[]> liveRanges = new ArrayList<>();
        long live = 0;
        long liveBytes = 0;
        for (Map.Entry<String, IndexEntry> e : index.entrySet()) {
            work.unitDone();
            String id = e.getKey();
            IndexEntry entry = e.getValue();
            if (!backedBySlot(id, entry) && !confirmedUnderLock(id, entry)) {
                indexMismatches++;
            }
            if (entry.tombstone() || entry.slot() >= slots.capacity()) {
                continue;
            }
            live++;
            if (liveSlotUse.merge(entry.slot(), 1, Integer::sum) == 1) {
                ByteBuffer chunk = slots.chunkOf(entry.slot());
                int base = slots.baseOf(entry.slot());
                long offset = SlotLayout.CONTENT_OFFSET.get(chunk, base);
                int length = SlotLayout.RECORD_LENGTH.get(chunk, base);
                liveRanges.add(new long[] {offset, offset + length});
                liveBytes += length;
            }
        }
        long duplicateSlots = liveSlotUse.values().stream().filter(n -> n > 1).mapToLong(Integer::longValue).sum();

        // 4. Live content records must not overlap.
        // A sort of every live range: heap only, so it runs where it holds up no switch or close.
        long overlaps = work.outside(() -> countOverlaps(liveRanges));

        // 5. The content log: record checksums, and record lengths adding up to the tail.
        ContentLog.Scan scan = content.scan(work);
        checksumFailures += scan.checksumFailures();

        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        boolean ok = duplicateSlots == 0 && overlaps == 0 && scan.mismatchBytes() == 0 && nonMonotonic == 0
                && checksumFailures == 0 && indexMismatches == 0;
        return new InvariantReport(mark, live, capacity, scan.tail(), liveBytes,
                new InvariantReport.Invariants(ok, duplicateSlots, overlaps, scan.mismatchBytes(), nonMonotonic,
                        checksumFailures, indexMismatches, Instant.now(clock), tookMillis));
    }

    /** Whether the entry's slot is committed, for this id, at this version and kind. */
    private boolean backedBySlot(String id, IndexEntry entry) {
        if (entry.slot() < 0 || entry.slot() >= slots.capacity()) {
            return false;
        }
        ByteBuffer chunk = slots.chunkOf(entry.slot());
        int base = slots.baseOf(entry.slot());
        if (SlotLayout.stateVolatile(chunk, base) != SlotLayout.STATE_COMMITTED
                || SlotLayout.VERSION.get(chunk, base) != entry.version()) {
            return false;
        }
        int kind = entry.tombstone() ? SlotLayout.KIND_TOMBSTONE : SlotLayout.KIND_MEMORY;
        return SlotLayout.KIND.get(chunk, base) == kind && id.equals(recordId(chunk, base));
    }

    /** Inside the id's compute no write of it is half done: is the index at {@code version} or past it now? */
    private boolean indexCaughtUp(String id, long version) {
        boolean[] caughtUp = new boolean[1];
        index.compute(id, (k, current) -> {
            caughtUp[0] = current != null && current.version() >= version;
            return current;
        });
        return caughtUp[0];
    }

    /** Re-checks an entry inside the id's compute; true when the id has since moved on to a backed entry. */
    private boolean confirmedUnderLock(String id, IndexEntry seen) {
        boolean[] ok = new boolean[1];
        index.compute(id, (k, current) -> {
            ok[0] = current != null && current != seen && backedBySlot(id, current);
            return current;
        });
        return ok[0];
    }

    private String recordId(ByteBuffer chunk, int base) {
        try {
            ContentLog.Entry record = content.read(SlotLayout.CONTENT_OFFSET.get(chunk, base),
                    SlotLayout.RECORD_LENGTH.get(chunk, base));
            return new String(record.id(), StandardCharsets.UTF_8);
        } catch (CorruptionException e) {
            return null;
        }
    }

    /** Pairs of ranges that overlap, by a sweep over ranges sorted by start. */
    static long countOverlaps(List<long[]> ranges) {
        long[][] sorted = ranges.toArray(new long[0][]);
        Arrays.sort(sorted, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long overlaps = 0;
        // Ends of earlier ranges still open at the current start; small in practice (0 when healthy).
        List<Long> open = new ArrayList<>();
        for (long[] range : sorted) {
            open.removeIf(end -> end <= range[0]);
            overlaps += open.size();
            open.add(range[1]);
        }
        return overlaps;
    }
}
