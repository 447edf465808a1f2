package dev.warmtier.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The concurrent-put scenario against one store: {@code threads} writers, started together
 * by a barrier, each putting {@code perThread} distinct memories with content sizes drawn from
 * {@code seed}; then every id is read back and the checker runs. Shared by the property test (which
 * asserts it is clean) and the racy-allocator test (which asserts it is not).
 */
final class ConcurrentPutScenario {

    /** What the scenario observed; {@link #clean()} when nothing went wrong. */
    record Outcome(int writes, List<String> wrongReads, InvariantReport report) {
        boolean clean() {
            return wrongReads.isEmpty() && report.violations() == 0;
        }

        @Override
        public String toString() {
            return writes + " writes, " + wrongReads.size() + " wrong reads "
                    + wrongReads.subList(0, Math.min(5, wrongReads.size())) + ", report " + report;
        }
    }

    private ConcurrentPutScenario() {
    }

    static String id(int thread, int episode) {
        return "thread-" + thread + "-ep-" + episode;
    }

    static int contentSize(long seed, int thread, int episode, int maxSize) {
        return new Random(seed * 31 + thread * 1_000_003L + episode).nextInt(maxSize + 1);
    }

    static Outcome run(MemoryStore store, int threads, int perThread, int maxSize, long seed) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    start.await();
                    for (int e = 0; e < perThread; e++) {
                        String id = id(thread, e);
                        store.put(id, TestStores.write(TestStores.text(id, contentSize(seed, thread, e, maxSize)), e));
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> wrong = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            for (int e = 0; e < perThread; e++) {
                String id = id(t, e);
                String expected = TestStores.text(id, contentSize(seed, t, e, maxSize));
                try {
                    String actual = store.get(id).map(StoredMemory::content).orElse(null);
                    if (!expected.equals(actual)) {
                        wrong.add(id + ": expected " + expected.length() + " bytes starting '"
                                + expected.substring(0, Math.min(20, expected.length())) + "', got "
                                + (actual == null ? "nothing" : actual.length() + " bytes starting '"
                                + actual.substring(0, Math.min(20, actual.length())) + "'"));
                    }
                } catch (CorruptionException ex) {
                    wrong.add(id + ": " + ex.getMessage());
                }
            }
        }
        return new Outcome(threads * perThread, wrong, store.check());
    }
}
