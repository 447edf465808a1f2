package dev.warmtier.engine;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that help recalls scan, shared by every store of the JVM: one per available
 * processor, made when first needed and gone after a minute idle. A recall runs one part of its
 * scan on its caller's thread and hands the others here; a part still queued when the caller is
 * done is taken back and never runs ({@link Recall}), so a busy pool slows a recall down to one
 * thread, and never stalls it.
 *
 * <p>Threads: any thread submits; the pool's threads are daemons and never touch files but
 * through a recall's part, inside its store's gate.
 */
final class RecallWorkers {

    private static final ThreadPoolExecutor POOL = pool();

    private RecallWorkers() {
    }

    private static ThreadPoolExecutor pool() {
        int threads = Runtime.getRuntime().availableProcessors();
        AtomicInteger made = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), work -> {
                    Thread thread = new Thread(work, "warmtier-recall-" + made.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    static void submit(Runnable part) {
        POOL.execute(part);
    }
}
