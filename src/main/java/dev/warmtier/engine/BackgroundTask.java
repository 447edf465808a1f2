package dev.warmtier.engine;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A periodic job on a daemon thread of its own, runs never overlapping (a fixed delay between the
 * end of one and the start of the next). It survives anything its body throws, an
 * {@link Error} such as {@code OutOfMemoryError} included: the failure is counted and handed to
 * {@code onFailure}, and the next run comes at its time. A {@link ScheduledExecutorService} would
 * otherwise cancel the schedule for good at the first throw, silently. Should the schedule still
 * stop, {@link #stopped()} says so, for health and meters.
 *
 * <p>Threads: the task's own thread runs the body; any thread may read the counters or close it.
 */
public final class BackgroundTask implements AutoCloseable {

    private final ScheduledExecutorService executor;
    private final ScheduledFuture<?> schedule;
    private final Runnable body;
    private final Consumer<Throwable> onFailure;
    /** Runs that returned normally, and runs that threw; each written only by the task's thread. */
    private final LongAdder runs = new LongAdder();
    private final LongAdder failures = new LongAdder();

    private BackgroundTask(String threadName, Duration period, Runnable body, Consumer<Throwable> onFailure) {
        this.body = body;
        this.onFailure = onFailure;
        this.executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        long nanos = period.toNanos();
        this.schedule = executor.scheduleWithFixedDelay(this::runOnce, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** Starts running {@code body} every {@code period}, the first time one period from now. */
    public static BackgroundTask start(String threadName, Duration period, Runnable body,
                                       Consumer<Throwable> onFailure) {
        return new BackgroundTask(threadName, period, body, onFailure);
    }

    void runOnce() {
        try {
            body.run();
            runs.increment();
        } catch (Throwable failure) {
            failures.increment();
            try {
                onFailure.accept(failure);
            } catch (Throwable reportingFailed) {
                // Reporting must not end the schedule either (it may fail for the same reason, such as
                // an exhausted heap); the count above already says a run failed.
            }
        }
    }

    /** Runs that completed. */
    public long runs() {
        return runs.sum();
    }

    /** Runs whose body threw. */
    public long failures() {
        return failures.sum();
    }

    /** Whether the schedule has ended although nobody closed the task. */
    public boolean stopped() {
        return schedule.isDone() && !executor.isShutdown();
    }

    /**
     * Lets a run under way finish, then stops. It waits for that run even on an interrupted thread
     * (the flag is kept): what a run touches, such as mapped chunks, may be released right after.
     */
    @Override
    public void close() {
        executor.shutdown();
        FileIo.awaitTermination(executor);
    }

    /** Interrupts a run under way (a body that checks interrupts stops at its next check), then stops as close does. */
    public void closeNow() {
        executor.shutdownNow();
        FileIo.awaitTermination(executor);
    }
}
