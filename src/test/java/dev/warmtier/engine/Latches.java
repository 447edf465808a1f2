package dev.warmtier.engine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Waiting on a latch from a thread a test holds inside the engine (an allocator hook, a grow step). */
final class Latches {

    private Latches() {
    }

    /** Waits for {@code latch}; a latch never opened within 30 s, or an interrupt, fails the caller. */
    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
