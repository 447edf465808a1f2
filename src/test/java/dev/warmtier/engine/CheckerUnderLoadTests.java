package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker runs while writers rewrite and delete a few hot ids and readers read them: it must
 * never report a violation for a healthy store under load (a false alarm would turn health DOWN),
 * and readers must only ever see whole values, with versions per id that never go backwards.
 */
class CheckerUnderLoadTests {

    private static final int HOT_IDS = 8;

    @TempDir
    Path dir;

    @Test
    void checksDuringConcurrentRewritesAndDeletesFindNothingAndReadersSeeOnlyWholeValues() throws Exception {
        try (MemoryStore store = TestStores.open(dir)) {
            int writers = 4;
            int readers = 3;
            CyclicBarrier start = new CyclicBarrier(writers + readers + 1);
            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
            List<Future<List<String>>> readerProblems = new ArrayList<>();
            List<Future<?>> writerFutures = new ArrayList<>();
            try {
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    writerFutures.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 1500; i++) {
                            String id = "hot-" + (i % HOT_IDS);
                            if (i % 11 == 10) {
                                store.delete(id);
                            } else {
                                store.put(id, TestStores.write(value(id, writer, i), i));
                            }
                        }
                        return null;
                    }));
                }
                for (int r = 0; r < readers; r++) {
                    readerProblems.add(pool.submit(() -> {
                        List<String> problems = new ArrayList<>();
                        Map<String, Long> lastSeen = new ConcurrentHashMap<>();
                        start.await();
                        while (writing.get()) {
                            for (int i = 0; i < HOT_IDS; i++) {
                                String id = "hot-" + i;
                                store.get(id).ifPresent(m -> {
                                    if (!isWhole(id, m.content())) {
                                        problems.add(id + " read torn content " + m.content());
                                    }
                                    Long before = lastSeen.put(id, m.version());
                                    if (before != null && before > m.version()) {
                                        problems.add(id + " went back from version " + before + " to " + m.version());
                                    }
                                });
                            }
                        }
                        return problems;
                    }));
                }
                start.await();
                List<InvariantReport> reports = new ArrayList<>();
                while (!writerFutures.stream().allMatch(Future::isDone)) {
                    reports.add(store.check());
                }
                for (Future<?> f : writerFutures) {
                    f.get(1, TimeUnit.MINUTES);
                }
                writing.set(false);
                for (Future<List<String>> f : readerProblems) {
                    assertThat(f.get(1, TimeUnit.MINUTES)).isEmpty();
                }
                reports.add(store.check());
                System.out.println("checks run during the load: " + reports.size());
                assertThat(reports).allSatisfy(r -> assertThat(r.violations()).as("%s", r).isZero());
                assertThat(reports.size()).isGreaterThan(1);
            } finally {
                writing.set(false);
                pool.shutdownNow();
            }
        }
    }

    private static String value(String id, int writer, int i) {
        return TestStores.text(id + "/" + writer + "/" + i, 200 + (i % 7) * 300);
    }

    /** Whole means exactly one of the values some writer wrote for this id. */
    private static boolean isWhole(String id, String content) {
        int colon = content.indexOf(':');
        if (colon < 0 || !content.startsWith(id + "/")) {
            return false;
        }
        String[] parts = content.substring(0, colon).split("/");
        return content.equals(value(id, Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
    }
}
