package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reads one memory from the slot and the record an index entry names. Slots and records are
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
    /** Reads that found a slot or record failing its checksum; a counter only, no ordering relied on. */
    private final LongAdder checksumFailures = new LongAdder();

    MemoryReader(SlotFile slots, ContentLog content) {
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
        long version = SlotLayout.version(chunk, base);
        if (version != entry.version()) {
            throw new CorruptionException("slot " + slot + " of id '" + id + "' holds version " + version
                    + ", the index says " + entry.version());
        }
        ContentLog.Entry record;
        try {
            record = content.read(SlotLayout.contentOffset(chunk, base), SlotLayout.recordLength(chunk, base));
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
                SlotLayout.confidence(chunk, base), SlotLayout.activation(chunk, base),
                SlotLayout.decayRate(chunk, base),
                Instant.ofEpochMilli(SlotLayout.createdAt(chunk, base)),
                Instant.ofEpochMilli(SlotLayout.updatedAt(chunk, base)), version, slot);
    }

    /** Reads since open that found a slot or record failing its checksum. */
    long checksumFailures() {
        return checksumFailures.sum();
    }
}
