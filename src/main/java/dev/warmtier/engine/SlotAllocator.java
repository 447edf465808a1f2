package dev.warmtier.engine;

/**
 * Hands out slot numbers. The production allocator claims with one atomic step; the seam exists
 * so a test can plug in a deliberately racy one and show that the checker and the concurrency
 * tests catch the collisions it causes.
 */
public interface SlotAllocator {

    /**
     * Claims a slot number below {@code limit} that no other caller has been or will be given, or
     * answers -1 and claims nothing when the next slot is at or above {@code limit} (the slot
     * file must grow first). A failed growth therefore never uses up a slot number.
     */
    long claim(long limit);

    /** The next-slot mark: every slot below it may have been claimed, none at or above it has. */
    long next();

    /**
     * Told once the claimed slot's payload has been written. The production allocator has
     * nothing left to do by then; the hook exists so a test allocator can reproduce the original
     * bug exactly: read the counter, use the slot, and only then increment.
     */
    default void used(long slot) {
    }
}
