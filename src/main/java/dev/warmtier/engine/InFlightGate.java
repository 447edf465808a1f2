package dev.warmtier.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
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

    /** What a check gets when a generation switch happened while it rested: it starts again. */
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
    /**
     * Forces under way ({@link #enterForce}): close waits for them, a pause does not (a force of the
     * old generation during a switch harms nothing), and the old generation is unmapped only once
     * none that began before the switch is left ({@link #awaitForces}).
     */
    private final AtomicLong forcing = new AtomicLong();
    /** Set once, by the closing thread, under this gate's monitor. */
    private volatile boolean closed;
    /** Set and cleared by the one pausing operation, under this gate's monitor; waiters wait on it. */
    private volatile boolean paused;
    /** Why the store stopped serving for good (a generation switch it could not finish), or null. */
    private volatile String failure;

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
            if (closed || failure != null) {
                inFlight.decrementAndGet();
                throw new StoreClosedException(failure != null ? failure : "store " + store + " is closed");
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

    /**
     * Counts a force of the files in: like {@link #enter}, but never waits for a pause. Pair with
     * {@link #exitForce()} in a {@code finally}.
     *
     * @throws StoreClosedException when the gate is closed or failed
     */
    void enterForce() {
        forcing.incrementAndGet();
        if (closed || failure != null) {
            forcing.decrementAndGet();
            throw new StoreClosedException(failure != null ? failure : "store " + store + " is closed");
        }
    }

    void exitForce() {
        forcing.decrementAndGet();
    }

    /** Waits until no force is under way; after a switch, no force can still hold the old generation. */
    void awaitForces() {
        while (forcing.get() != 0) {
            LockSupport.parkNanos(50_000);
        }
    }

    private synchronized void awaitResume() {
        boolean interrupted = false;
        while (paused && !closed && failure == null) {
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
     * A long operation's stay in the gate that steps outside whenever it rests: an invariant check.
     * At each pause of its {@link CheckPace} it leaves the gate, rests, and comes back in (waiting
     * for a generation switch under way, failing once the store closed), so neither a drop nor a
     * switch ever waits for a check to rest or finish. Back inside, it gives way (restarts) when
     * what it read inside is no longer current.
     *
     * <p>Threads: the one operation's thread.
     */
    final class Stay implements CheckPace {
        private final CheckPace pace;
        /** Whether what the operation read inside the gate (the active generation) is still current. */
        private final BooleanSupplier unchanged;
        private boolean inside;

        Stay(CheckPace pace, BooleanSupplier unchanged) {
            this.pace = pace;
            this.unchanged = unchanged;
        }

        void enter() {
            InFlightGate.this.enter();
            inside = true;
        }

        /** Leaves the gate if inside; pair with {@link #enter} in a {@code finally}. */
        void exit() {
            if (inside) {
                inside = false;
                InFlightGate.this.exit();
            }
        }

        /**
         * @throws StoreClosedException when the store closed meanwhile
         * @throws GaveWayException     when a generation switch happened meanwhile: start again
         */
        @Override
        public void pause() {
            exit();
            pace.pause();
            comeBack();
        }

        /** Runs {@code work}, which touches no mapped memory, outside the gate. */
        @Override
        public long outside(LongSupplier work) {
            exit();
            long result = work.getAsLong();
            comeBack();
            return result;
        }

        private void comeBack() {
            enter();
            if (!unchanged.getAsBoolean()) {
                throw new GaveWayException();
            }
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

    /**
     * Stops the store serving for good: every operation from now on fails with {@code why} (the
     * first reason given), while close still works. For a generation switch that cannot tell which generation is current.
     */
    synchronized void fail(String why) {
        if (failure == null) {
            failure = why; // the first reason is the one that says what happened
        }
        notifyAll();
    }

    /** Whether close has begun. */
    boolean closed() {
        return closed;
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
        while (inFlight.get() != 0 || forcing.get() != 0) {
            LockSupport.parkNanos(50_000);
        }
        return true;
    }
}
