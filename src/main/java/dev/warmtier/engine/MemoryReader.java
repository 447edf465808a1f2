package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reads a memory from the slot and the record an index entry names, or a page of them. Slots and records are
 * immutable once committed, so it takes no lock; what it checks instead is that the slot is
 * committed and whole ({@link SlotFile#unreadable}), holds the version the index names, and that
 * its record is committed, whole and holds the id. Checksum failures are counted for the stats.
 *
 * <p>Threads: any reading thread, concurrently with writes; the failure counter is a LongAdder.
 */
final class MemoryReader {

    private final SlotFile slots;
    private final ContentLog content;
    private final int slotSize;
    private final int dimension;
    /** Reads that found a slot or record failing its checksum, the store's counter across generations. */
    private final LongAdder checksumFailures;

    MemoryReader(SlotFile slots, ContentLog content, LongAdder checksumFailures) {
        this.checksumFailures = checksumFailures;
        this.slots = slots;
        this.content = content;
        this.slotSize = slots.slotSize();
        this.dimension = slots.dimension();
    }

    /**
     * The memory {@code entry} names for {@code id}.
     *
     * @throws CorruptionException when its slot or record fails a check or does not belong to it
     */
    StoredMemory read(String id, IndexEntry entry, boolean withEmbedding) {
        long slot = entry.slot();
        ByteBuffer chunk = slots.chunkOf(slot);
        int base = slots.baseOf(slot);
        String unreadable = SlotFile.unreadable(chunk, base, slotSize);
        if (unreadable != null) {
            if (SlotFile.FAILS_CHECKSUM.equals(unreadable)) {
                checksumFailures.increment();
            }
            throw new CorruptionException("slot " + slot + " of id '" + id + "' " + unreadable);
        }
        long version = SlotLayout.VERSION.get(chunk, base);
        if (version != entry.version()) {
            throw new CorruptionException("slot " + slot + " of id '" + id + "' holds version " + version
                    + ", the index says " + entry.version());
        }
        ContentLog.Entry record;
        try {
            record = content.read(SlotLayout.CONTENT_OFFSET.get(chunk, base), SlotLayout.RECORD_LENGTH.get(chunk, base));
        } catch (CorruptionException e) {
            checksumFailures.increment();
            throw e;
        }
        String storedId = new String(record.id(), StandardCharsets.UTF_8);
        if (!storedId.equals(id)) {
            throw new CorruptionException("slot " + slot + " holds id '" + storedId + "', the index says '" + id + "'");
        }
        return new StoredMemory(id, new String(record.content(), StandardCharsets.UTF_8),
                withEmbedding ? SlotLayout.embedding(chunk, base, dimension) : null,
                SlotLayout.CONFIDENCE.get(chunk, base), SlotLayout.ACTIVATION.get(chunk, base),
                SlotLayout.DECAY_RATE.get(chunk, base),
                Instant.ofEpochMilli(SlotLayout.CREATED_AT.get(chunk, base)),
                Instant.ofEpochMilli(SlotLayout.UPDATED_AT.get(chunk, base)), version, slot);
    }

    /**
     * The memory in {@code slot}, which the caller found live, whatever version the index names now:
     * a recall answers with the version it scored.
     *
     * @throws CorruptionException when the slot or its record fails a check or does not belong to {@code id}
     */
    StoredMemory readSlot(String id, long slot, boolean withEmbedding) {
        ByteBuffer chunk = slots.chunkOf(slot);
        int base = slots.baseOf(slot);
        return read(id, new IndexEntry(slot, SlotLayout.VERSION.get(chunk, base), false,
                SlotLayout.RECORD_LENGTH.get(chunk, base)), withEmbedding);
    }

    /** The id of the memory in the committed {@code slot}, read from its record without summing it. */
    String idOf(long slot) {
        ByteBuffer chunk = slots.chunkOf(slot);
        int base = slots.baseOf(slot);
        return new String(content.readId(SlotLayout.CONTENT_OFFSET.get(chunk, base),
                SlotLayout.RECORD_LENGTH.get(chunk, base)), StandardCharsets.UTF_8);
    }

    /**
     * Up to {@code limit} memories of {@code ids}, in their order, that are live in {@code index}
     * when reached; stops before the memory whose record would take the page past
     * {@code maxRecordBytes}, though a page always holds at least one.
     */
    ScanPage page(Iterable<String> ids, Map<String, IndexEntry> index, int limit, long maxRecordBytes,
                  boolean withEmbedding) {
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
    }
}
