package dev.warmtier.engine;

/**
 * Hands out slot numbers. The production allocator claims with one atomic step. The seam exists
 * so a test can plug in a deliberately racy allocator, one with the read-use-increment slot race
 * (the slot is computed from a counter that was read, used, and only later incremented, so two
 * writers get the same slot), and show that the checker and the concurrency tests catch the
 * collisions it causes.
 *
 * <p>Threads: every writing thread claims at once, so an implementation must be thread-safe; any
 * thread reads {@link #next()}.
 */
public interface SlotAllocator {

    /**
     * Claims a slot number below {@code limit} that no other caller has been or will be given, or
     * answers -1 and claims nothing when the next slot is at or above {@code limit} (the slot
     * file must grow first). A failed growth therefore never uses up a slot number.
     *
     * @param limit the first slot number that must not be claimed: the mapped capacity, less headroom
     * @return the claimed slot number, or -1
     */
    long claim(long limit);

    /**
     * The next-slot mark: every slot below it may have been claimed, none at or above it has.
     *
     * @return the first slot number not yet claimed
     */
    long next();
}
