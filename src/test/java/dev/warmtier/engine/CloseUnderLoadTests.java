package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * close() while writers and readers are busy: every operation either completes before the close
 * (and is then in the files) or fails with StoreClosedException; none touches an unmapped chunk
 * (which would crash the JVM), and everything acknowledged is there after reopening.
 */
class CloseUnderLoadTests {

    @TempDir
    Path dir;

    @Test
    void closeWaitsForOperationsUnderWayAndEveryAcknowledgedWriteIsThereAfterReopen() throws Exception {
        int writers = 4;
        MemoryStore store = MemoryStore.open(dir, TestStores.small().withDurability(Durability.INTERVAL,
                Duration.ofMillis(5)));
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        CyclicBarrier start = new CyclicBarrier(writers + 2);
        CountDownLatch enoughWritten = new CountDownLatch(writers * 50);
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        List<Future<String>> outcomes = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                int writer = w;
                outcomes.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; ; i++) {
                        String id = "w" + writer + "-" + (i % 100);
                        String content = TestStores.text(id + "#" + i, 500 + (i % 5) * 700);
                        try {
                            store.put(id, MemoryWrite.of(content));
                        } catch (StoreClosedException e) {
                            return "closed after " + i;
                        }
                        acknowledged.put(id, content);
                        enoughWritten.countDown();
                    }
                }));
            }
            outcomes.add(pool.submit(() -> {
                start.await();
                for (int i = 0; ; i++) {
                    try {
                        store.get("w0-" + (i % 100));
                        store.scan(null, 20, true);
                    } catch (StoreClosedException e) {
                        return "reader closed after " + i;
                    }
                }
            }));
            start.await();
            assertThat(enoughWritten.await(1, TimeUnit.MINUTES)).isTrue();
            store.close();
            for (Future<String> outcome : outcomes) {
                assertThat(outcome.get(1, TimeUnit.MINUTES)).contains("closed after");
            }
        } finally {
            pool.shutdownNow();
        }
        try (MemoryStore reopened = TestStores.open(dir)) {
            assertThat(reopened.recovery().cleanStart()).isTrue();
            acknowledged.forEach((id, content) ->
                    assertThat(reopened.get(id).orElseThrow().content()).as(id).isEqualTo(content));
            assertThat(reopened.check().violations()).isZero();
        }
    }
}
