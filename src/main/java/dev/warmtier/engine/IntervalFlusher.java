package dev.warmtier.engine;

/**
 * The {@link Durability#INTERVAL} flusher of one store: forces the chunks holding unforced writes
 * every sync interval, on a {@link BackgroundTask}. In the other modes it runs nothing and
 * reports zeros. A failed round (a force that threw, or anything else, even an OutOfMemoryError)
 * is counted and reported to the thread's uncaught-exception handler, and the next round comes at
 * its time: the chunk whose force failed stays dirty, so it is tried again.
 *
 * <p>Threads: its own daemon thread runs the rounds; any thread reads the counters; the store's
 * closing thread closes it, after no operation is under way and before the chunks are unmapped.
 */
final class IntervalFlusher implements AutoCloseable {

    /** The schedule; null when the durability mode is not {@link Durability#INTERVAL}. */
    private final BackgroundTask task;

    private IntervalFlusher(BackgroundTask task) {
        this.task = task;
    }

    /** Starts flushing with {@code flush} every sync interval when {@code options} ask for it. */
    static IntervalFlusher start(String storeName, StoreOptions options, Runnable flush) {
        if (options.durability() != Durability.INTERVAL) {
            return new IntervalFlusher(null);
        }
        return new IntervalFlusher(BackgroundTask.start("warmtier-flush-" + storeName, options.syncInterval(), () -> {
            try {
                flush.run();
            } catch (StoreClosedException e) {
                // Close forces everything itself.
            }
        }, failure -> Thread.currentThread().getUncaughtExceptionHandler()
                .uncaughtException(Thread.currentThread(), failure)));
    }

    /** Rounds that completed; 0 in other durability modes. */
    long runs() {
        return task == null ? 0 : task.runs();
    }

    /** Rounds that threw; 0 in other durability modes. */
    long failures() {
        return task == null ? 0 : task.failures();
    }

    /** Whether the schedule ended while the store is open (never expected). */
    boolean stopped() {
        return task != null && task.stopped();
    }

    /** Lets a round under way finish, interrupt or not (it touches the chunks), then stops. */
    @Override
    public void close() {
        if (task != null) {
            task.close();
        }
    }
}
