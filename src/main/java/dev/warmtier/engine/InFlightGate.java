package dev.warmtier.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The operations under way in one store, so that close can wait until none touches a chunk before
 * the chunks are unmapped (touching an unmapped chunk crashes the JVM).
 *
 * <p>Threads: every operation {@link #enter}s and {@link #exit}s on its own thread; the closing
 * thread calls {@link #closeAndAwait} once. An operation counts itself before it reads
 * {@link #closed}, and close writes {@link #closed} before it reads the count, so every operation
 * either saw the gate closed or is counted when close waits.
 */
final class InFlightGate {

    /** Names the store in the exception an operation gets once the gate is closed. */
    private final String store;
    /**
     * Operations under way. One AtomicLong, not a LongAdder: a LongAdder's sum is no snapshot (an
     * increment and its decrement may land in different cells), so close could read zero while an
     * operation still touches a chunk.
     */
    private final AtomicLong inFlight = new AtomicLong();
    /** Set once, by the closing thread, under this gate's monitor. */
    private volatile boolean closed;

    InFlightGate(String store) {
        this.store = store;
    }

    /**
     * Counts an operation in; pair with {@link #exit()} in a {@code finally}.
     *
     * @throws StoreClosedException when the gate is closed; the operation is not counted then
     */
    void enter() {
        inFlight.incrementAndGet();
        if (closed) {
            inFlight.decrementAndGet();
            throw new StoreClosedException("store " + store + " is closed");
        }
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /**
     * {@code pace}, giving way to close: a slow, paced check must not hold up a drop, so once close
     * has begun it stops at its next pause.
     *
     * @throws StoreClosedException from the pause after close began
     */
    CheckPace givingWayToClose(CheckPace pace) {
        return () -> {
            if (closed) {
                throw new StoreClosedException("store " + store + " closed during an invariant check");
            }
            pace.pause();
        };
    }

    /**
     * Closes the gate and waits until no operation is under way.
     *
     * @return false when the gate was closed already (nothing waited for)
     */
    boolean closeAndAwait() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
        }
        while (inFlight.get() != 0) {
            LockSupport.parkNanos(50_000);
        }
        return true;
    }
}
