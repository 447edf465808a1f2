package dev.warmtier.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The operations under way in one store, so that close can wait until none touches a chunk before
 * the chunks are unmapped (touching an unmapped chunk crashes the JVM), and so that a compaction can
 * switch generations while no other operation is under way.
 *
 * <p>Two ways to stop the others. {@link #closeAndAwait} closes the gate for good: operations that
 * arrive fail. {@link #pauseOthers} holds it shut for a moment: the caller, itself counted in, waits
 * until it is the only operation under way, and operations that arrive wait in {@link #enter} until
 * {@link #resume}. Close wins over a pause: operations waiting for a resume fail once the gate
 * closes, and close waits for the pausing operation to finish like any other.
 *
 * <p>Threads: every operation {@link #enter}s and {@link #exit}s on its own thread; the closing
 * thread calls {@link #closeAndAwait} once; one operation at a time pauses (the store's compaction
 * lock ensures it). An operation counts itself before it reads {@link #closed} and {@link #paused},
 * and close and pause write their flag before they read the count, so every operation either saw the
 * flag or is counted when the count is read.
 */
final class InFlightGate {

    /** What a check gets at its next pause once a pause or close began: it gives way and starts again. */
    static final class GaveWayException extends RuntimeException {
        GaveWayException() {
            super("gave way to a generation switch", null, false, false);
        }
    }

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
    /** Set and cleared by the one pausing operation, under this gate's monitor; waiters wait on it. */
    private volatile boolean paused;

    InFlightGate(String store) {
        this.store = store;
    }

    /**
     * Counts an operation in; pair with {@link #exit()} in a {@code finally}. While the gate is
     * paused, waits for {@link #resume}.
     *
     * @throws StoreClosedException when the gate is closed, also while waiting; the operation is not counted then
     */
    void enter() {
        while (true) {
            inFlight.incrementAndGet();
            if (closed) {
                inFlight.decrementAndGet();
                throw new StoreClosedException("store " + store + " is closed");
            }
            if (!paused) {
                return;
            }
            inFlight.decrementAndGet();
            awaitResume();
        }
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    private synchronized void awaitResume() {
        boolean interrupted = false;
        while (paused && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                // Interrupts are not faults: the pause is short and bounded; the flag is kept.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code pace}, giving way to close and to a pause: a slow, paced check must not hold up a drop
     * or a generation switch, so once either has begun it stops at its next pause.
     *
     * @throws StoreClosedException from the pause after close began
     * @throws GaveWayException     from the pause after a pause began: the check starts again after it
     */
    CheckPace givingWay(CheckPace pace) {
        return () -> {
            giveWayIfAsked();
            pace.pause();
            giveWayIfAsked();
        };
    }

    private void giveWayIfAsked() {
        if (closed) {
            throw new StoreClosedException("store " + store + " closed during an invariant check");
        }
        if (paused) {
            throw new GaveWayException();
        }
    }

    /**
     * Pauses the gate and waits until the caller, which must have entered, is the only operation
     * under way. Pair with {@link #resume()} in a {@code finally}.
     *
     * @return false when the gate closed before or while waiting: the caller must give up what it
     *         meant to do alone and resume, then exit
     */
    boolean pauseOthers() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            paused = true;
        }
        while (inFlight.get() != 1 && !closed) {
            LockSupport.parkNanos(20_000);
        }
        return !closed;
    }

    /** Whether a pause was asked for and not ended yet. */
    boolean paused() {
        return paused;
    }

    /** Ends a pause: the operations waiting in {@link #enter} go on. */
    synchronized void resume() {
        paused = false;
        notifyAll();
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
            notifyAll();
        }
        while (inFlight.get() != 0) {
            LockSupport.parkNanos(50_000);
        }
        return true;
    }
}
