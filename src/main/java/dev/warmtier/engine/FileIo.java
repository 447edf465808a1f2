package dev.warmtier.engine;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a store's I/O on its file channels (growing and mapping a chunk, raising the version
 * ceiling, writing the clean-shutdown mark) where no caller's interrupt can break it.
 *
 * <p>A {@code FileChannel} is an interruptible channel: a thread interrupted while it does I/O on
 * one closes the channel for every thread, and every later growth of that file would fail until
 * the store is reopened. So while the store is open ({@link #serve()} until {@link #close()}),
 * callers only hand the work to a thread of this class's own and wait for it without giving way
 * to an interrupt; an interrupt that arrives meanwhile is kept and set again on the caller once the
 * work is done, so the caller still sees it. Nothing interrupts that thread: its executor is only
 * ever shut down, never {@code shutdownNow}. It exists while there is work and ends after a few
 * idle seconds, so an idle space costs no thread.
 *
 * <p>Before {@link #serve()} (during open) and after {@link #close()} (the end of the store's
 * close), the files belong to the one thread opening or closing the store, and work runs on that
 * thread, with its interrupt flag cleared for the work and set again after it.
 */
final class FileIo implements AutoCloseable {

    /** One piece of file work; its {@link IOException} reaches the caller as it is. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    /** The executor's thread; work that calls back into this FileIo from it runs directly. */
    private static final class IoThread extends Thread {
        private final FileIo owner;

        IoThread(FileIo owner, Runnable task, String name) {
            super(task, name);
            this.owner = owner;
            setDaemon(true);
        }
    }

    /** How long the I/O thread waits for work before it ends; a new one starts with the next work. */
    static final long IDLE_MILLIS = 5_000;

    private final String name;
    private final long idleMillis;
    /**
     * One thread at most, so file work runs in submission order; null before {@link #serve()} and
     * after {@link #close()}. Written by the opening and the closing thread only.
     */
    private volatile ThreadPoolExecutor executor;

    FileIo(String name) {
        this(name, IDLE_MILLIS);
    }

    /** With the I/O thread ending after {@code idleMillis} without work (tests wait less than {@link #IDLE_MILLIS}). */
    FileIo(String name, long idleMillis) {
        this.name = name;
        this.idleMillis = idleMillis;
    }

    /** From now until {@link #close()}, work runs on the I/O thread. */
    void serve() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, idleMillis, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                task -> new IoThread(this, task, "warmtier-io-" + name));
        pool.allowCoreThreadTimeOut(true);
        executor = pool;
    }

    /** Runs {@code work} where no interrupt reaches it and returns its result; the caller's interrupt flag survives. */
    <T> T call(Work<T> work) throws IOException {
        ThreadPoolExecutor pool = executor;
        if (pool == null || (Thread.currentThread() instanceof IoThread thread && thread.owner == this)) {
            return onCaller(work);
        }
        Future<T> result;
        try {
            result = pool.submit(work::run);
        } catch (RejectedExecutionException e) {
            throw new StoreClosedException("the file I/O of store " + name + " has stopped: it is closing");
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the work goes on; the caller gets its flag back below
                } catch (ExecutionException e) {
                    throw rethrown(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs {@code work} on the I/O thread without waiting for it, when the store is open; answers
     * whether it was handed over. Its failures are the work's own to handle.
     */
    boolean submit(Runnable work) {
        ThreadPoolExecutor pool = executor;
        if (pool == null) {
            return false;
        }
        try {
            pool.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closing
        }
    }

    /**
     * Runs on the calling thread with its interrupt flag cleared, and set again after. Work that an
     * interrupt arriving meanwhile broke is tried again, which helps work that opens a channel of
     * its own (the clean-shutdown mark); a closed shared channel fails again, as it should.
     */
    private static <T> T onCaller(Work<T> work) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    return work.run();
                } catch (ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted();
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException rethrown(Throwable cause) throws IOException {
        if (cause instanceof IOException io) {
            throw io;
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    /**
     * Lets submitted work finish and stops the thread, waiting without giving way to an interrupt;
     * from then on work runs on the caller again.
     */
    @Override
    public void close() {
        ThreadPoolExecutor pool = executor;
        executor = null;
        if (pool != null) {
            pool.shutdown();
            awaitTermination(pool);
        }
    }

    /**
     * Waits until a shut-down executor's work is over, however often the caller is interrupted
     * meanwhile (its work touches mapped chunks that are unmapped next); the flag is set again after.
     */
    static void awaitTermination(ExecutorService executor) {
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
