package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Writes the slot of one write in the steps every write takes, as Aeron's term appender writes a
 * frame: claim, fill, publish. {@link #claim} appends the write's record to the content log, claims
 * a slot with the allocator's one atomic step (the slot number comes from that claim and nothing
 * else) and fills and sums the slot's payload; the store's per-key step then {@link #publish}es it
 * with the version it decided, and {@link #settle} makes it durable as configured, or abandons it.
 *
 * <p>Room comes first: the slot file is grown for the next claim, then the record appended
 * (growing the log), and only then is a slot claimed, below the mapped capacity. So a write that
 * fails for lack of room has claimed no slot number and appended nothing, and the next write needs
 * one growth step, not one per failed attempt. A write other than a delete leaves
 * {@link #DELETE_HEADROOM} tombstones of room behind it.
 *
 * <p>Threads: any writing thread. {@link #claim} runs outside any per-key lock, {@link #publish}
 * inside the id's compute, {@link #settle} after it. A claimed slot belongs to the thread that
 * claimed it until it is published or abandoned.
 */
final class SlotAppender {

    /**
     * Deletes each space can still take while the disk is full: every write but a delete leaves
     * room in the mapped chunks for this many tombstones (slots and records).
     */
    static final int DELETE_HEADROOM = 16;

    /** A claimed slot whose payload is written and summed, waiting for its per-key step. */
    record Claim(long slot, ByteBuffer chunk, int base, CRC32C payloadCrc, long recordOffset, int recordLength) {
    }

    private final SlotFile slots;
    private final ContentLog content;
    private final SlotAllocator allocator;
    /** Told of each filled slot when the allocator is a {@link SlotFillListener} (test allocators); else nothing. */
    private final LongConsumer filled;
    private final Durability durability;
    private final int slotSize;
    /** Slots claimed and given up, the store's counter across generations; no ordering relied on. */
    private final LongAdder abandoned;

    SlotAppender(SlotFile slots, ContentLog content, SlotAllocator allocator, Durability durability,
                 LongAdder abandoned) {
        this.abandoned = abandoned;
        this.slots = slots;
        this.content = content;
        this.allocator = allocator;
        this.filled = SlotFillListener.of(allocator);
        this.durability = durability;
        this.slotSize = slots.slotSize();
    }

    /**
     * Appends the record and fills a freshly claimed slot; {@code write == null} fills a tombstone.
     *
     * @throws InsufficientStorageException when a file cannot grow; no slot number was claimed
     */
    Claim claim(byte[] idBytes, byte[] contentBytes, int kind, MemoryWrite write) {
        boolean delete = kind == SlotLayout.KIND_TOMBSTONE;
        long slotHeadroom = delete ? 0 : DELETE_HEADROOM;
        slots.ensure(allocator.next() + slotHeadroom);
        long recordOffset = content.append(idBytes, contentBytes, delete ? 0 : contentHeadroom());
        int recordLength = ContentRecordLayout.recordLength(idBytes.length, contentBytes.length);
        if (durability == Durability.ALWAYS) {
            content.force(recordOffset, recordLength);
        }
        long slot = claimSlot(slotHeadroom);
        ByteBuffer chunk = slots.chunkOf(slot);
        int base = slots.baseOf(slot);
        try {
            CRC32C payloadCrc = SlotFile.fill(chunk, base, slotSize, recordOffset, recordLength, kind, write);
            filled.accept(slot);
            return new Claim(slot, chunk, base, payloadCrc, recordOffset, recordLength);
        } catch (RuntimeException e) {
            abandon(slot, chunk, base);
            throw e;
        }
    }

    private static int contentHeadroom() {
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

    /** The per-key step's part: writes what it decided and publishes the slot. Runs inside the id's compute. */
    void publish(Claim claim, long version, long createdAt, long updatedAt) {
        SlotFile.publish(claim.chunk(), claim.base(), claim.payloadCrc(), version, createdAt, updatedAt);
    }

    /** After the per-key step: makes a published slot durable as configured, or gives it up. */
    void settle(Claim claim, boolean published) {
        if (!published) {
            abandon(claim.slot(), claim.chunk(), claim.base());
            return;
        }
        // Marked in every mode, so flush() and the interval flusher know the chunk; ALWAYS also
        // forces the slot's range now, before the write is acknowledged.
        slots.markDirty(claim.slot());
        if (durability == Durability.ALWAYS) {
            slots.force(claim.slot());
        }
    }

    private void abandon(long slot, ByteBuffer chunk, int base) {
        SlotLayout.stateOrdered(chunk, base, SlotLayout.STATE_ABANDONED);
        slots.markDirty(slot);
        abandoned.increment();
    }
}
