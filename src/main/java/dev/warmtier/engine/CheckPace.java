package dev.warmtier.engine;

import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * How an invariant check gives way to the service it checks. The checker calls {@link #pause()}
 * after every {@link #BATCH} slots, index entries or content records, so a check of a large space
 * can be spread out instead of taking a core for as long as the scan lasts.
 *
 * <p>Threads: the checking thread alone calls {@link #pause()}; a {@link Share} keeps per-check
 * state, so make one per check.
 */
@FunctionalInterface
public interface CheckPace {

    /** Units of work (slots, index entries, records) between two pauses. */
    int BATCH = 1024;

    /** Never pauses: a check someone is waiting for. */
    CheckPace UNPACED = () -> {
    };

    /**
     * Called between batches.
     *
     * @throws CancellationException when the checking thread was interrupted: the check stops
     */
    void pause();

    /**
     * Runs heap-only work of the check (it touches no mapped memory) where it holds up nothing:
     * for the store's own pace, outside its in-flight gate.
     */
    default long outside(LongSupplier work) {
        return work.getAsLong();
    }

    /**
     * Keeps the checking thread busy at most {@code share} of the wall time: after each batch it
     * parks for the busy time times {@code (1 - share) / share}. Make one per check.
     */
    static CheckPace cpuShare(double share) {
        return new Share(share, System::nanoTime, LockSupport::parkNanos);
    }

    /** A duty cycle over an injectable clock and parker (so it can be tested without waiting). */
    final class Share implements CheckPace {
        private final double restPerBusy;
        private final LongSupplier nanoTime;
        private final LongConsumer parkNanos;
        /** When the current busy stretch began; the check runs on one thread, so no atomics. */
        private long busySince;

        Share(double share, LongSupplier nanoTime, LongConsumer parkNanos) {
            if (!(share > 0 && share <= 1)) {
                throw new IllegalArgumentException("share must be in (0, 1], was " + share);
            }
            this.restPerBusy = (1 - share) / share;
            this.nanoTime = nanoTime;
            this.parkNanos = parkNanos;
            this.busySince = nanoTime.getAsLong();
        }

        @Override
        public void pause() {
            long rest = (long) ((nanoTime.getAsLong() - busySince) * restPerBusy);
            if (rest > 0) {
                parkNanos.accept(rest);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("invariant check interrupted");
            }
            busySince = nanoTime.getAsLong();
        }
    }
}
