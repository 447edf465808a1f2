package dev.warmtier.concurrency;

import dev.warmtier.engine.AtomicSlotAllocator;
import dev.warmtier.engine.ObservedSlotAllocator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The production allocator with a switch that makes {@link #payloadWritten} throw: the engine calls it after
 * a write's payload is in its claimed slot and before the write's per-key publish step, so a
 * throw there is a failure between claiming a slot and publishing it. The engine must then
 * abandon the slot ({@code SlotAppender.claim}), answer the write with an error and carry on.
 * Test code only; disarmed it behaves exactly like {@link AtomicSlotAllocator}.
 */
final class FaultingSlotAllocator extends ObservedSlotAllocator {

    /** The switch, shared by the allocators of every space of one service. */
    static final class Faults {
        /** Writes still to fail; an allocator takes one per failure, never below zero. */
        private final AtomicInteger toFail = new AtomicInteger();
        /** Failures injected since the service started. */
        private final AtomicInteger injected = new AtomicInteger();

        /** Makes the next {@code writes} writes (of any space) fail after claiming their slot. */
        void failNext(int writes) {
            toFail.set(writes);
        }

        void disarm() {
            toFail.set(0);
        }

        int injected() {
            return injected.get();
        }

        int pending() {
            return toFail.get();
        }

        private boolean takeOne() {
            boolean armed = toFail.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
            if (armed) {
                injected.incrementAndGet();
            }
            return armed;
        }
    }

    /** What the engine sees from a faulting {@code payloadWritten}: nothing it knows, so a plain server fault. */
    static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(long slot) {
            super("injected fault after claiming slot " + slot + ", before publishing it");
        }
    }

    private final Faults faults;

    FaultingSlotAllocator(long firstFree, Faults faults) {
        super(new AtomicSlotAllocator(firstFree));
        this.faults = faults;
    }

    @Override
    protected void payloadWritten(long slot) {
        if (faults.takeOne()) {
            throw new InjectedFault(slot);
        }
    }
}
