package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recalls while writers replace and delete memories and a compaction switches generations over
 * and over: every hit is a complete version of its memory (its embedding is the one written with
 * its content, its score that embedding's), live at some point during the call (never replaced or
 * deleted by a write acknowledged before the call began), each id once, best first, and k of them.
 */
class RecallConsistencyTests {

    private static final int DIMENSION = 32;
    private static final int IDS = 400;
    private static final int WRITERS = 2;
    private static final int RECALLERS = 2;
    private static final int WRITES_PER_WRITER = 4000;
    private static final int K = 10;

    @TempDir
    Path dir;

    private static float[] embeddingOf(String content) {
        return RecallOracle.embeddingOf(content, DIMENSION);
    }

    /** A write or delete of an id, acknowledged at {@code ackedAt} (nanoTime). */
    record Acked(long version, boolean delete, long ackedAt) {
    }

    /** A recall call: when it started and ended (nanoTime), what it asked and what it answered. */
    record Call(long startedAt, long endedAt, float[] query, RecallResult result) {
    }

    @Test
    void everyHitIsAWholeVersionLiveDuringTheCallWhileWritersAndCompactionsGoOn() throws Exception {
        StoreOptions options = StoreOptions.defaults().withEmbeddingDimension(DIMENSION)
                .withDurability(Durability.NONE, Duration.ofMillis(100)).withRecall(VectorScorers.best(), 2);
        Map<String, List<Acked>> acked = new ConcurrentHashMap<>();
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger compactions = new AtomicInteger();
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int i = 0; i < IDS; i++) {
                String content = "m" + i + "/0";
                PutResult put = store.put("m" + i, new MemoryWrite(content, embeddingOf(content), 0.7f, 0f, 0.1f));
                acked.computeIfAbsent("m" + i, id -> Collections.synchronizedList(new ArrayList<>()))
                        .add(new Acked(put.memory().version(), false, System.nanoTime()));
            }
            int parties = WRITERS + RECALLERS + 1;
            CyclicBarrier start = new CyclicBarrier(parties);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger writersLeft = new AtomicInteger(WRITERS);
            ExecutorService pool = Executors.newFixedThreadPool(parties);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    Random random = new Random(writer);
                    start.await();
                    try {
                        for (int n = 1; n <= WRITES_PER_WRITER; n++) {
                            String id = "m" + random.nextInt(IDS);
                            List<Acked> log = acked.get(id);
                            if (random.nextInt(8) == 0) {
                                DeleteResult deleted = store.delete(id);
                                if (deleted.status() == DeleteResult.Status.DELETED) {
                                    log.add(new Acked(deleted.version(), true, System.nanoTime()));
                                }
                            } else {
                                String content = id + "/" + writer + "-" + n;
                                PutResult put = store.put(id, new MemoryWrite(content, embeddingOf(content), 0.7f, 0f, 0.1f));
                                log.add(new Acked(put.memory().version(), false, System.nanoTime()));
                            }
                        }
                    } finally {
                        if (writersLeft.decrementAndGet() == 0) {
                            writing.set(false);
                        }
                    }
                    return null;
                }));
            }
            for (int r = 0; r < RECALLERS; r++) {
                int recaller = r;
                futures.add(pool.submit(() -> {
                    Random random = new Random(100 + recaller);
                    start.await();
                    while (writing.get()) {
                        float[] query = embeddingOf("query " + random.nextInt());
                        long startedAt = System.nanoTime();
                        RecallResult result = store.recall(new RecallQuery(query, K, 0f, -1f, true));
                        calls.add(new Call(startedAt, System.nanoTime(), query, result));
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                start.await();
                while (writing.get()) {
                    store.compact();
                    compactions.incrementAndGet();
                }
                return null;
            }));
            pool.shutdown();
            assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).as("writers, recalls and compactions end").isTrue();
            for (Future<?> future : futures) {
                future.get();
            }
            assertThat(store.check().violations()).isZero();
        }
        assertThat(compactions.get()).as("compactions beside the recalls").isPositive();
        assertThat(calls).as("recalls beside the writes").hasSizeGreaterThan(10);
        for (Call call : calls) {
            check(call, acked);
        }
    }

    private static void check(Call call, Map<String, List<Acked>> acked) {
        List<RecallHit> hits = call.result().hits();
        String context = RecallOracle.describe(hits);
        assertThat(hits).as("k hits: %s", context).hasSize(K);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < hits.size(); i++) {
            RecallHit hit = hits.get(i);
            StoredMemory memory = hit.memory();
            assertThat(ids).as("each id once: %s", context).doesNotContain(memory.id());
            ids.add(memory.id());
            assertThat(memory.content()).as("content of %s", memory.id()).startsWith(memory.id() + "/");
            assertThat(memory.embedding()).as("embedding of %s v%d is the one written with '%s'", memory.id(),
                    memory.version(), memory.content()).isEqualTo(embeddingOf(memory.content()));
            assertThat((double) hit.score()).as("score of %s", memory.id())
                    .isCloseTo(RecallOracle.cosine(call.query(), memory.embedding()),
                            org.assertj.core.data.Offset.offset(RecallOracle.TOLERANCE));
            if (i > 0) {
                assertThat(hits.get(i - 1).score()).as("best first: %s", context).isGreaterThanOrEqualTo(hit.score());
            }
            List<Acked> log;
            synchronized (log = acked.get(memory.id())) {
                for (Acked a : log) {
                    if (a.ackedAt() < call.startedAt()) {
                        assertThat(a.version())
                                .as("%s v%d was replaced or deleted (v%d, delete=%s) before the call began: %s",
                                        memory.id(), memory.version(), a.version(), a.delete(), context)
                                .isLessThanOrEqualTo(memory.version());
                        if (a.delete()) {
                            assertThat(a.version()).as("%s deleted at v%d before the call", memory.id(), a.version())
                                    .isLessThan(memory.version());
                        }
                    }
                }
            }
        }
    }
}
