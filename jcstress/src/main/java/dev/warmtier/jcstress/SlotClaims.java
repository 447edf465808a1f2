package dev.warmtier.jcstress;

import dev.warmtier.engine.SlotAllocator;

/**
 * How {@code MemoryStore.prepare} uses an allocator: claim a slot below the mapped capacity
 * (here unbounded: the file never runs out of room), (write its payload,) then tell the allocator
 * it was used. The claim tests call this, so they exercise the allocator exactly the
 * way a write does, and differ only in which allocator they give it.
 */
public final class SlotClaims {

    private SlotClaims() {
    }

    public static long claimAsAWriteDoes(SlotAllocator allocator) {
        long slot = allocator.claim(Long.MAX_VALUE);
        allocator.used(slot);
        return slot;
    }
}
