package dev.warmtier.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The read-use-increment slot race, on purpose: the slot is read from the counter, used, and only
 * then is the counter incremented. Two writers inside that window get the same slot. Test code
 * only: no production setting can select it. It exists to prove the checker and the concurrency
 * tests fail when the allocation is not one atomic step.
 */
public final class RacySlotAllocator implements SlotAllocator, SlotFillListener {

    private final AtomicLong next;

    public RacySlotAllocator(long firstFree) {
        this.next = new AtomicLong(firstFree);
    }

    /**
     * Reads the counter and hands its value out without moving it. It yields after the read: the
     * race needs the read to come well before the increment, while a write here claims its slot
     * after its record is appended, so without the yield the window is a few hundred nanoseconds
     * and a 2-core machine rarely shows the collision in a test's time.
     */
    @Override
    public long claim(long limit) {
        long slot = next.get();
        Thread.yield();
        return slot < limit ? slot : -1;
    }

    /** Only after the slot was written does the counter move: the race's window. */
    @Override
    public void filled(long slot) {
        next.incrementAndGet();
    }

    @Override
    public long next() {
        return next.get();
    }
}
