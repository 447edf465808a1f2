package dev.warmtier.jcstress;

import dev.warmtier.engine.MemoryModelAccess;
import dev.warmtier.engine.SlotAllocator;

/**
 * How {@code SlotAppender.claim} uses an allocator: claim a slot below the mapped capacity
 * (here unbounded: the file never runs out of room), (fill its payload,) then tell an allocator
 * that listens that the slot was filled. The claim tests call this, so they exercise the allocator
 * exactly the way a write does, and differ only in which allocator they give it.
 */
public final class SlotClaims {

    private SlotClaims() {
    }

    public static long claimAsAWriteDoes(SlotAllocator allocator) {
        long slot = allocator.claim(Long.MAX_VALUE);
        MemoryModelAccess.slotFilled(allocator, slot);
        return slot;
    }
}
