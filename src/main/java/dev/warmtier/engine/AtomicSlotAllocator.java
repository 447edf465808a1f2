package dev.warmtier.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Claims slots with a single compare-and-set: the slot is the value the successful CAS moved past,
 * never a value read earlier and used after another claimer could move it, so two claimers can
 * never get the same slot. The counter only grows, and never past the limit the caller gives (the
 * mapped capacity), so a claim that finds no room takes nothing.
 *
 * <p>Threads: every writing thread claims, concurrently; any thread reads {@link #next()}.
 */
public final class AtomicSlotAllocator implements SlotAllocator {

    /** The next unclaimed slot; compareAndSet from a value below the limit is the only write after construction. */
    private final AtomicLong next;

    public AtomicSlotAllocator(long firstFree) {
        if (firstFree < 0) {
            throw new IllegalArgumentException("firstFree must be >= 0, was " + firstFree);
        }
        this.next = new AtomicLong(firstFree);
    }

    @Override
    public long claim(long limit) {
        while (true) {
            long slot = next.get();
            if (slot >= limit) {
                return -1;
            }
            if (next.compareAndSet(slot, slot + 1)) {
                return slot;
            }
        }
    }

    @Override
    public long next() {
        return next.get();
    }
}
