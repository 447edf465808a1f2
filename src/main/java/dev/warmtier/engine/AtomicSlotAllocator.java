package dev.warmtier.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Claims slots with a single {@code getAndIncrement}: the slot is the value the increment
 * returned, never a value read earlier, so two claimers can never get the same slot. The counter
 * only grows; a claim past the mapped capacity is a request to grow the slot file.
 */
public final class AtomicSlotAllocator implements SlotAllocator {

    /** The next unclaimed slot; getAndIncrement is the only write after construction. */
    private final AtomicLong next;

    public AtomicSlotAllocator(long firstFree) {
        if (firstFree < 0) {
            throw new IllegalArgumentException("firstFree must be >= 0, was " + firstFree);
        }
        this.next = new AtomicLong(firstFree);
    }

    @Override
    public long claim() {
        return next.getAndIncrement();
    }

    @Override
    public long next() {
        return next.get();
    }
}
