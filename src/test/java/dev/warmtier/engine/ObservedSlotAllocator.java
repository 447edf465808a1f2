package dev.warmtier.engine;

/**
 * A slot allocator that does exactly what another does and, on the writing thread, calls a hook
 * after each claim and after each payload write (before the write's per-key publish step). For
 * tests that watch, hold or fail engine writes at those two points; the engine sees only the
 * {@link SlotAllocator} seam and, for the second point, the package's {@link SlotFillListener}.
 */
public abstract class ObservedSlotAllocator implements SlotAllocator, SlotFillListener {

    private final SlotAllocator delegate;

    protected ObservedSlotAllocator(SlotAllocator delegate) {
        this.delegate = delegate;
    }

    /** Called with each slot the delegate claimed (never for a refused claim), before the engine gets it. */
    protected void claimed(long slot) {
    }

    /** Called once the engine wrote {@code slot}'s payload and the delegate was told. */
    protected void payloadWritten(long slot) {
    }

    @Override
    public final long claim(long limit) {
        long slot = delegate.claim(limit);
        if (slot >= 0) {
            claimed(slot);
        }
        return slot;
    }

    @Override
    public final long next() {
        return delegate.next();
    }

    @Override
    public final void filled(long slot) {
        SlotFillListener.of(delegate).accept(slot);
        payloadWritten(slot);
    }
}
