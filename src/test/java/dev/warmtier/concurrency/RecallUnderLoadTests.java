package dev.warmtier.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.RecallOracle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Recall over HTTP while clients replace and delete memories and another compacts the space in a
 * loop: every result is a whole version of its memory (the embedding written with its content, the
 * score that embedding's), live at some point during the call (no write acknowledged before the
 * call began had replaced or deleted it), each id once, best first, k of them; and the space's
 * invariants hold at the end.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RecallUnderLoadTests {

    private static final int DIMENSION = 8;
    private static final int IDS = 201; // a multiple of WRITERS
    private static final int WRITERS = 3;
    private static final int RECALLERS = 2;
    private static final int WRITES_PER_WRITER = 500;
    private static final int K = 10;
    /** Compactions that must finish while the clients run, or the run proved little. */
    private static final int MINIMUM_COMPACTIONS = 5;
    private static final String SPACE = "/api/v1/spaces/recall-load";

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> String.valueOf(DIMENSION));
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
        registry.add("warmtier.compaction.interval", () -> "0");
    }

    @LocalServerPort
    int port;

    private static float[] embeddingOf(String content) {
        return RecallOracle.embeddingOf(content, DIMENSION);
    }

    private static String json(float[] values) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            out.append(i == 0 ? "" : ",").append(values[i]);
        }
        return out.append(']').toString();
    }

    /** A write or delete of an id that was acknowledged, and when (nanoTime after the answer). */
    record Acked(long version, boolean delete, long ackedAt) {
    }

    /** A recall: when it was sent and answered (nanoTime), its query and its answer. */
    record Call(long sentAt, long answeredAt, float[] query, JsonNode answer) {
    }

    private Acked put(TestHttp http, String id, String content) {
        TestHttp.Response put = http.put(SPACE + "/memories/" + id, "{\"content\":\"" + content + "\",\"embedding\":"
                + json(embeddingOf(content)) + "}");
        long at = System.nanoTime();
        assertThat(put.status()).as(put.toString()).isIn(200, 201);
        return new Acked(put.json().get("version").asLong(), false, at);
    }

    @Test
    void everyResultIsAWholeVersionLiveDuringTheCallWhileWritesAndCompactionsGoOn() throws Exception {
        TestHttp setup = new TestHttp(port);
        assertThat(setup.put(SPACE, null).status()).isEqualTo(201);
        Map<String, List<Acked>> acked = new ConcurrentHashMap<>();
        for (int i = 0; i < IDS; i++) {
            acked.computeIfAbsent("m" + i, id -> Collections.synchronizedList(new ArrayList<>()))
                    .add(put(setup, "m" + i, "m" + i + "/0"));
        }
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger compactions = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger writersLeft = new AtomicInteger(WRITERS);
        int parties = WRITERS + RECALLERS + 1;
        CyclicBarrier start = new CyclicBarrier(parties);
        ExecutorService pool = Executors.newFixedThreadPool(parties);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                TestHttp http = new TestHttp(port);
                Random random = new Random(writer);
                start.await();
                try {
                    for (int n = 1; n <= WRITES_PER_WRITER; n++) {
                        // Each writer has its own ids, so an id's log is in version order.
                        String id = "m" + (random.nextInt(IDS / WRITERS) * WRITERS + writer);
                        List<Acked> log = acked.get(id);
                        Acked last = log.get(log.size() - 1);
                        if (random.nextInt(8) == 0) {
                            TestHttp.Response deleted = http.send("DELETE", SPACE + "/memories/" + id, null);
                            long at = System.nanoTime();
                            assertThat(deleted.status()).as(deleted.toString()).isEqualTo(last.delete() ? 404 : 204);
                            if (deleted.status() == 204) {
                                // A delete answers no version: it removed the last version written.
                                log.add(new Acked(last.version(), true, at));
                            }
                        } else {
                            acked.get(id).add(put(http, id, id + "/" + writer + "-" + n));
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
                TestHttp http = new TestHttp(port);
                Random random = new Random(100 + recaller);
                start.await();
                while (writing.get()) {
                    float[] query = embeddingOf("query " + random.nextInt());
                    long sentAt = System.nanoTime();
                    TestHttp.Response answer = http.send("POST", SPACE + "/recall?embedding=true",
                            "{\"embedding\":" + json(query) + ",\"k\":" + K + "}");
                    long answeredAt = System.nanoTime();
                    assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
                    calls.add(new Call(sentAt, answeredAt, query, answer.json()));
                }
                return null;
            }));
        }
        futures.add(pool.submit(() -> {
            TestHttp http = new TestHttp(port);
            start.await();
            while (writing.get()) {
                TestHttp.Response compacted = http.send("POST", SPACE + "/compact", null);
                assertThat(compacted.status()).as(compacted.toString()).isEqualTo(200);
                compactions.incrementAndGet();
            }
            return null;
        }));
        pool.shutdown();
        assertThat(pool.awaitTermination(3, TimeUnit.MINUTES)).as("clients end").isTrue();
        for (Future<?> future : futures) {
            future.get();
        }

        assertThat(compactions.get()).as("compactions beside the recalls").isGreaterThanOrEqualTo(MINIMUM_COMPACTIONS);
        assertThat(calls).as("recalls beside the writes").hasSizeGreaterThan(20);
        for (Call call : calls) {
            check(call, acked);
        }
        TestHttp.Response report = setup.get("/actuator/warmtier/recall-load");
        assertThat(report.json().get("invariants").get("ok").asBoolean()).as(report.toString()).isTrue();
    }

    private static void check(Call call, Map<String, List<Acked>> acked) {
        JsonNode results = call.answer().get("results");
        String context = call.answer().toString();
        assertThat(results.size()).as("k results: %s", context).isEqualTo(K);
        List<String> ids = new ArrayList<>();
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode result : results) {
            String id = result.get("id").asString();
            JsonNode memory = result.get("memory");
            long version = memory.get("version").asLong();
            String content = memory.get("content").asString();
            assertThat(ids).as("each id once: %s", context).doesNotContain(id);
            ids.add(id);
            assertThat(content).as("content of %s", id).startsWith(id + "/");
            float[] embedding = new float[DIMENSION];
            for (int i = 0; i < DIMENSION; i++) {
                embedding[i] = memory.get("embedding").get(i).floatValue();
            }
            assertThat(embedding).as("embedding of %s v%d is the one written with '%s': %s", id, version, content,
                    Arrays.toString(embedding)).isEqualTo(embeddingOf(content));
            double score = result.get("score").asDouble();
            assertThat(score).as("score of %s", id).isCloseTo(RecallOracle.cosine(call.query(), embedding),
                    org.assertj.core.data.Offset.offset(RecallOracle.TOLERANCE));
            assertThat(score).as("best first: %s", context).isLessThanOrEqualTo(previous);
            previous = score;
            List<Acked> log = acked.get(id);
            synchronized (log) {
                for (Acked a : log) {
                    if (a.ackedAt() < call.sentAt()) {
                        assertThat(a.delete() ? a.version() < version : a.version() <= version)
                                .as("%s v%d: a %s acknowledged before the call began had replaced it (%s)", id, version,
                                        a.delete() ? "delete of v" + a.version() : "write of v" + a.version(), context)
                                .isTrue();
                    }
                }
            }
        }
    }
}
