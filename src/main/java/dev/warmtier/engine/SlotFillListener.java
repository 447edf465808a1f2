package dev.warmtier.engine;

import java.util.function.LongConsumer;

/**
 * An allocator that wants to hear, on the writing thread, that a slot it handed out has been
 * filled and that the write's per-key step, which publishes it, comes next. Package-private, so
 * no production API offers it and no production allocator implements it: it is the seam through
 * which test allocators (wrapped around the real one with {@link StoreOptions#allocatorFactory()})
 * watch, hold or fail a write at that point, and through which one reproduces the
 * read-use-increment slot race, moving its counter only after the slot was used.
 */
interface SlotFillListener {

    /** Told once the payload of {@code slot}, claimed from this allocator, is written. */
    void filled(long slot);

    /** What to tell of each filled slot of {@code allocator}: its listener, or nothing. */
    static LongConsumer of(SlotAllocator allocator) {
        return allocator instanceof SlotFillListener listener ? listener::filled : slot -> { };
    }
}
