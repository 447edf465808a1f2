package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recall answers what a straightforward computation (double precision, every live memory, a full
 * sort) answers, on both loops: ties by id, the filters, k past the space's size, zero vectors,
 * replaced and deleted memories, an empty space, after a reopen and a compaction, with one
 * thread and several; and what it reads while writes replace its best memories.
 */
class RecallTests {

    private static final int DIMENSION = 16;

    @TempDir
    Path dir;

    /** The loops this JVM runs: always the scalar one; the Vector API's when the JVM has its module. */
    static List<VectorScorer> scorers() {
        List<VectorScorer> scorers = new ArrayList<>();
        scorers.add(VectorScorers.scalar());
        VectorScorers.vectorApi().ifPresent(scorers::add);
        return scorers;
    }

    private static StoreOptions options(VectorScorer scorer, int threads) {
        return StoreOptions.defaults().withEmbeddingDimension(DIMENSION)
                .withDurability(Durability.NONE, Duration.ofMillis(100)).withRecall(scorer, threads);
    }

    private MemoryStore open(VectorScorer scorer, int threads) {
        return MemoryStore.open(dir, options(scorer, threads));
    }

    private static float[] randomEmbedding(Random random, int dimension) {
        float[] values = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static MemoryWrite write(String content, float[] embedding, float confidence) {
        return new MemoryWrite(content, embedding, confidence, 0f, 0.1f);
    }

    /** 300 ids written, a third replaced, a sixth deleted, some without embeddings and some zero. */
    private static void fill(MemoryStore store, RecallOracle oracle, Random random) {
        for (int i = 0; i < 300; i++) {
            float[] embedding = i % 37 == 0 ? null : i % 41 == 0 ? new float[DIMENSION] : randomEmbedding(random, DIMENSION);
            MemoryWrite w = write("memory " + i, embedding, (i % 10) / 10f);
            store.put("id-" + i, w);
            oracle.put("id-" + i, w);
        }
        for (int i = 0; i < 300; i += 3) {
            MemoryWrite w = write("memory " + i + " replaced", randomEmbedding(random, DIMENSION), 0.9f);
            store.put("id-" + i, w);
            oracle.put("id-" + i, w);
        }
        for (int i = 1; i < 300; i += 6) {
            store.delete("id-" + i);
            oracle.delete("id-" + i);
        }
    }

    @ParameterizedTest
    @MethodSource("scorers")
    void recallAnswersWhatTheReferenceComputationAnswers(VectorScorer scorer) {
        Random random = new Random(14);
        RecallOracle oracle = new RecallOracle(DIMENSION);
        try (MemoryStore store = open(scorer, 1)) {
            fill(store, oracle, random);
            for (int round = 0; round < 60; round++) {
                int k = 1 + random.nextInt(round % 10 == 0 ? 400 : 30);
                float minConfidence = round % 3 == 0 ? 0f : random.nextFloat();
                float minScore = round % 4 == 0 ? -1f : random.nextFloat() * 2 - 1;
                RecallQuery query = new RecallQuery(randomEmbedding(random, DIMENSION), k, minConfidence, minScore,
                        round % 2 == 0);
                RecallResult result = store.recall(query);
                oracle.assertAnswers(query, result);
                assertThat(result.passes()).isEqualTo(1);
                assertThat(result.scanned()).as("every live memory scored once").isEqualTo(store.stats().slotsLive());
            }
        }
    }

    @Test
    void bothLoopsGiveTheSameScoresToWithinFloatRounding() {
        Random random = new Random(7);
        // 775 = 8 x 96 + 7 = 16 x 48 + 7: the unrolled loops stop one float short of another
        // round, and every tail runs.
        float[] query = randomEmbedding(random, 775);
        ByteBuffer slot = ByteBuffer.allocateDirect(775 * Float.BYTES + 64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int round = 0; round < 200; round++) {
            float[] embedding = randomEmbedding(random, 775);
            for (int i = 0; i < embedding.length; i++) {
                slot.putFloat(64 + i * Float.BYTES, embedding[i]);
            }
            double exact = 0;
            for (int i = 0; i < embedding.length; i++) {
                exact += (double) query[i] * embedding[i];
            }
            org.assertj.core.data.Offset<Double> rounding = org.assertj.core.data.Offset.offset(1e-3 * Math.max(1, Math.abs(exact)));
            for (VectorScorer scorer : scorers()) {
                assertThat((double) scorer.dot(query, slot, 64)).as("%s, round %d", scorer.name(), round)
                        .isCloseTo(exact, rounding);
            }
            ByteBuffer onHeap = ByteBuffer.allocate(slot.capacity()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            onHeap.put(0, slot, 0, slot.capacity());
            assertThat((double) VectorScorers.scalar().dot(query, onHeap, 64)).as("scalar, heap buffer").isCloseTo(exact, rounding);
            assertThat(ScalarScorer.dotChecked(query, slot, 64)).as("raw and checked reads of a direct buffer")
                    .isEqualTo(VectorScorers.scalar().dot(query, slot, 64));
        }
        assertThat(ScalarScorer.readsRaw()).as("direct buffers read raw on this (little-endian) JVM").isTrue();
    }

    @Test
    void aLoopNeverReadsPastItsBuffer() {
        ByteBuffer direct = ByteBuffer.allocateDirect(64 + 16 * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        ByteBuffer heap = ByteBuffer.allocate(64 + 16 * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (VectorScorer scorer : scorers()) {
            for (ByteBuffer buffer : List.of(direct, heap)) {
                assertThat(scorer.dot(new float[16], buffer, 64)).isZero();
                assertThatThrownBy(() -> scorer.dot(new float[17], buffer, 64)).as("%s, %s", scorer.name(), buffer)
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> scorer.dot(new float[16], buffer, -4)).as("%s, %s", scorer.name(), buffer)
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }
        }
    }

    /**
     * The build runs these tests twice, once without and once with the module, and says which in
     * {@code warmtier.test.vector-api}: a run meant to test the Vector API loop that quietly tested
     * only the scalar one fails here.
     */
    @Test
    void theBestLoopIsTheVectorApisExactlyWhenTheJvmHasItsModule() {
        boolean hasModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        String expected = System.getProperty("warmtier.test.vector-api");
        if (expected != null) {
            assertThat(hasModule).as("warmtier.test.vector-api=%s", expected).isEqualTo(expected.equals("present"));
        }
        assertThat(VectorScorers.vectorApi().isPresent()).isEqualTo(hasModule);
        assertThat(VectorScorers.best().name()).as("best loop with the module: %s", hasModule)
                .startsWith(hasModule ? "vector-api" : "scalar");
        assertThat(VectorScorers.scalar().name()).isEqualTo("scalar");
        VectorScorers.vectorApi().ifPresent(loop -> assertThat(loop.name()).matches("vector-api \\(\\d+ lanes\\)"));
    }

    @ParameterizedTest
    @MethodSource("scorers")
    void equalScoresComeInIdOrder(VectorScorer scorer) {
        try (MemoryStore store = open(scorer, 1)) {
            float[] same = randomEmbedding(new Random(1), DIMENSION);
            for (String id : List.of("d", "b", "e", "a", "c")) {
                store.put(id, write(id, same, 0.5f));
            }
            // Scaled by a power of two: the same cosine, computed to the same float.
            float[] doubled = same.clone();
            for (int i = 0; i < doubled.length; i++) {
                doubled[i] *= 2;
            }
            store.put("aa", write("aa", doubled, 0.5f));
            List<String> ids = store.recall(RecallQuery.of(same, 4)).hits().stream().map(h -> h.memory().id()).toList();
            assertThat(ids).containsExactly("a", "aa", "b", "c");
            // A zero query scores everything 0: the k smallest ids.
            List<RecallHit> zero = store.recall(RecallQuery.of(new float[DIMENSION], 3)).hits();
            assertThat(zero).extracting(h -> h.memory().id()).containsExactly("a", "aa", "b");
            assertThat(zero).extracting(RecallHit::score).containsOnly(0f);
        }
    }

    @ParameterizedTest
    @MethodSource("scorers")
    void zeroAndMissingEmbeddingsScoreZeroAndKPastTheSpaceReturnsEveryLiveMemory(VectorScorer scorer) {
        try (MemoryStore store = open(scorer, 1)) {
            float[] x = new float[DIMENSION];
            x[0] = 1;
            float[] minusX = new float[DIMENSION];
            minusX[0] = -3;
            store.put("same", write("same", x, 0.7f));
            store.put("opposite", write("opposite", minusX, 0.7f));
            store.put("zero", write("zero", new float[DIMENSION], 0.7f));
            store.put("none", MemoryWrite.of("none"));
            store.put("gone", write("gone", x, 0.7f));
            store.delete("gone");
            RecallResult all = store.recall(new RecallQuery(x, 1000, 0f, -1f, true));
            assertThat(all.hits()).extracting(h -> h.memory().id()).containsExactly("same", "none", "zero", "opposite");
            assertThat(all.hits()).extracting(RecallHit::score).containsExactly(1f, 0f, 0f, -1f);
            assertThat(all.hits().get(1).memory().embedding()).as("a missing embedding reads as zeros")
                    .isEqualTo(new float[DIMENSION]);
            assertThat(store.recall(new RecallQuery(x, 10, 0f, 0.5f, false)).hits())
                    .extracting(h -> h.memory().id()).containsExactly("same");
            assertThat(store.recall(new RecallQuery(x, 10, 0.8f, -1f, false)).hits()).isEmpty();
        }
    }

    @Test
    void anEmptySpaceAnswersNothing() {
        try (MemoryStore store = open(VectorScorers.best(), 2)) {
            RecallResult result = store.recall(RecallQuery.of(randomEmbedding(new Random(3), DIMENSION), 10));
            assertThat(result.hits()).isEmpty();
            assertThat(result.scanned()).isZero();
        }
    }

    @Test
    void aReplacedMemoryIsFoundAsItsNewVersionAndADeletedOneNotAtAll() {
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            float[] x = new float[DIMENSION];
            x[0] = 1;
            float[] y = new float[DIMENSION];
            y[1] = 1;
            store.put("moves", write("near x", x, 0.7f));
            store.put("other", write("other", y, 0.7f));
            store.put("moves", write("near y", y, 0.7f));
            List<RecallHit> hits = store.recall(new RecallQuery(x, 10, 0f, -1f, true)).hits();
            assertThat(hits).extracting(h -> h.memory().content()).containsExactly("near y", "other");
            assertThat(hits.get(0).score()).isZero();
            store.delete("other");
            assertThat(store.recall(RecallQuery.of(y, 10)).hits()).extracting(h -> h.memory().id())
                    .containsExactly("moves");
        }
    }

    @Test
    void queriesThatDoNotFitAreRefusedNamingTheField() {
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            assertThatThrownBy(() -> store.recall(RecallQuery.of(new float[3], 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("embedding")
                    .hasMessageContaining(String.valueOf(DIMENSION));
            float[] nan = new float[DIMENSION];
            nan[2] = Float.NaN;
            assertThatThrownBy(() -> store.recall(RecallQuery.of(nan, 1))).hasMessageContaining("finite");
        }
        assertThatThrownBy(() -> RecallQuery.of(new float[1], 0)).hasMessageContaining("k: must be in 1..1000");
        assertThatThrownBy(() -> RecallQuery.of(new float[1], 1001)).hasMessageContaining("k");
        assertThatThrownBy(() -> new RecallQuery(new float[1], 1, 1.5f, 0, false)).hasMessageContaining("minConfidence");
        assertThatThrownBy(() -> new RecallQuery(new float[1], 1, 0, -2f, false)).hasMessageContaining("minScore");
        assertThatThrownBy(() -> new RecallQuery(null, 1, 0, 0, false)).hasMessageContaining("embedding");
    }

    @ParameterizedTest
    @MethodSource("scorers")
    void tinyAndHugeEmbeddingsScoreAsInDoublePrecision(VectorScorer scorer) {
        Random random = new Random(5);
        RecallOracle oracle = new RecallOracle(DIMENSION);
        try (MemoryStore store = open(scorer, 1)) {
            double[] scales = {1e-38, 1e-30, 1e-20, 1e-10, 1, 1e10, 1e20, 1e30, 3e37};
            for (int i = 0; i < scales.length; i++) {
                for (int j = 0; j < 5; j++) {
                    float[] e = randomEmbedding(random, DIMENSION);
                    for (int d = 0; d < DIMENSION; d++) {
                        e[d] = (float) (e[d] * scales[i]);
                    }
                    MemoryWrite w = write("scale " + scales[i], e, 0.7f);
                    store.put("s" + i + "-" + j, w);
                    oracle.put("s" + i + "-" + j, w);
                }
            }
            for (double scale : scales) {
                float[] q = randomEmbedding(random, DIMENSION);
                for (int d = 0; d < DIMENSION; d++) {
                    q[d] = (float) (q[d] * scale);
                }
                RecallQuery query = new RecallQuery(q, 45, 0f, -1f, false);
                oracle.assertAnswers(query, store.recall(query));
            }
        }
    }

    @Test
    void theNormIsStoredWithTheSlotAndAReopenAndACompactionAnswerAlike() {
        Random random = new Random(9);
        RecallOracle oracle = new RecallOracle(DIMENSION);
        List<RecallQuery> queries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queries.add(new RecallQuery(randomEmbedding(random, DIMENSION), 25, 0f, -1f, true));
        }
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            fill(store, oracle, random);
            StoredMemory one = store.get("id-3").orElseThrow();
            SlotFile slots = store.active().slots();
            assertThat(SlotLayout.NORM.get(slots.chunkOf(one.slot()), slots.baseOf(one.slot())))
                    .isEqualTo(SlotLayout.norm(one.embedding()));
            for (RecallQuery query : queries) {
                oracle.assertAnswers(query, store.recall(query));
            }
        }
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            assertThat(store.recovery().cleanStart()).isTrue();
            for (RecallQuery query : queries) {
                oracle.assertAnswers(query, store.recall(query));
            }
            store.compact();
            for (RecallQuery query : queries) {
                oracle.assertAnswers(query, store.recall(query));
            }
            assertThat(store.active().live().count()).isEqualTo(oracle.size());
        }
    }

    @Test
    void slotsWrittenWithoutANormAreScoredAndACompactionGivesThemOne() {
        RecallOracle oracle = new RecallOracle(DIMENSION);
        Random random = new Random(11);
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            for (int i = 0; i < 40; i++) {
                MemoryWrite w = write("m" + i, randomEmbedding(random, DIMENSION), 0.7f);
                StoredMemory stored = store.put("m" + i, w).memory();
                oracle.put("m" + i, w);
                // As a build before norms wrote it: the word is zero, the checksum sums that.
                SlotFile slots = store.active().slots();
                ByteBuffer chunk = slots.chunkOf(stored.slot());
                int base = slots.baseOf(stored.slot());
                chunk.putFloat(base + SlotLayout.NORM_OFFSET, 0f);
                chunk.putInt(base + SlotLayout.CRC_OFFSET, SlotLayout.computeChecksum(chunk, base, slots.slotSize()));
            }
            RecallQuery query = new RecallQuery(randomEmbedding(random, DIMENSION), 40, 0f, -1f, true);
            oracle.assertAnswers(query, store.recall(query));
            assertThat(store.check().violations()).isZero();
            store.compact();
            StoredMemory copied = store.get("m5").orElseThrow();
            SlotFile slots = store.active().slots();
            assertThat(SlotLayout.NORM.get(slots.chunkOf(copied.slot()), slots.baseOf(copied.slot())))
                    .isEqualTo(SlotLayout.norm(copied.embedding()));
            oracle.assertAnswers(query, store.recall(query));
            assertThat(store.check().violations()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("scorers")
    void twoThreadsAnswerWhatOneAnswers(VectorScorer scorer) {
        Random random = new Random(21);
        RecallOracle oracle = new RecallOracle(DIMENSION);
        try (MemoryStore store = open(scorer, 2)) {
            // Enough slots for two parts: 2 x MIN_SLOTS_PER_THREAD, and some more.
            int n = 2 * Recall.MIN_SLOTS_PER_THREAD + 1000;
            for (int i = 0; i < n; i++) {
                MemoryWrite w = write("m" + i, randomEmbedding(random, DIMENSION), (i % 5) / 5f);
                store.put("m" + i, w);
                oracle.put("m" + i, w);
            }
            for (int round = 0; round < 5; round++) {
                RecallQuery query = new RecallQuery(randomEmbedding(random, DIMENSION), 50, 0.2f, -1f, false);
                RecallResult result = store.recall(query);
                oracle.assertAnswers(query, result);
                assertThat(result.scanned()).isEqualTo(n);
            }
        }
    }

    /**
     * A loop that, the first time the scan scores the best memory, replaces it with an even better
     * version in a later slot: the scan finds both versions, both live at some point of it, and
     * must answer with one, and still k memories.
     */
    @Test
    void anIdReplacedDuringTheScanIsAnsweredOnceAndKStillComeBack() {
        float[] x = new float[DIMENSION];
        x[0] = 1;
        AtomicBoolean replaced = new AtomicBoolean();
        MemoryStore[] self = new MemoryStore[1];
        VectorScorer meddling = new VectorScorer() {
            @Override
            public float dot(float[] query, ByteBuffer buffer, int offset) {
                float dot = VectorScorers.scalar().dot(query, buffer, offset);
                if (dot > 0.99f && replaced.compareAndSet(false, true)) {
                    float[] better = x.clone();
                    self[0].put("best", write("best, replaced during the scan", better, 0.7f));
                }
                return dot;
            }

            @Override
            public String name() {
                return "meddling";
            }
        };
        try (MemoryStore store = open(meddling, 1)) {
            self[0] = store;
            store.put("best", write("best", x, 0.7f));
            // More than a word of live bits (64 slots), so the new version's bit is read after the replace.
            for (int i = 0; i < 100; i++) {
                float[] e = new float[DIMENSION];
                e[0] = 1;
                e[1 + i % (DIMENSION - 1)] = 0.01f * (i + 1);
                store.put("other-" + i, write("other " + i, e, 0.7f));
            }
            RecallResult result = store.recall(RecallQuery.of(x, 3));
            assertThat(replaced).isTrue();
            assertThat(result.hits()).extracting(h -> h.memory().id()).containsExactly("best", "other-0", "other-1");
            assertThat(result.passes()).as("two versions of 'best' took two of the 3 places: scanned again").isEqualTo(2);
        }
    }

    /** A loop that calls {@code meddle} once, the first time a score passes {@code above}, then scores as the scalar loop. */
    private static VectorScorer meddling(float above, Runnable meddle) {
        AtomicBoolean done = new AtomicBoolean();
        return new VectorScorer() {
            @Override
            public float dot(float[] query, ByteBuffer buffer, int offset) {
                float dot = VectorScorers.scalar().dot(query, buffer, offset);
                if (dot > above && done.compareAndSet(false, true)) {
                    meddle.run();
                }
                return dot;
            }

            @Override
            public String name() {
                return "meddling";
            }
        };
    }

    private static float[] towardsX(float cosine) {
        float[] e = new float[DIMENSION];
        e[0] = cosine;
        e[1] = (float) Math.sqrt(1 - (double) cosine * cosine);
        return e;
    }

    /**
     * A memory replaced (same embedding) after the scan began but before it reached the old
     * version: the old bit is cleared, the new slot lies past the range the pass set out to scan.
     * It is found all the same, in the slots claimed during the pass.
     */
    @Test
    void aMemoryReplacedAheadOfTheScanIsFoundInItsNewSlot() {
        float[] x = towardsX(1f);
        MemoryStore[] self = new MemoryStore[1];
        // The first slot scored is a filler's (slot 0); X, in the last slot of the first batch
        // (another word of live bits: the scan reads 64 at a time), is replaced right then, into
        // the first slot past the batches the pass set out to scan.
        VectorScorer loop = meddling(-2f, () -> self[0].put("x", write("x, again", towardsX(1f), 0.7f)));
        try (MemoryStore store = open(loop, 1)) {
            self[0] = store;
            for (int i = 0; i < Recall.BATCH_SLOTS - 1; i++) {
                store.put("filler-" + i, write("filler", towardsX(0.1f), 0.7f));
            }
            assertThat(store.put("x", write("x", x, 0.7f)).memory().slot()).isEqualTo(Recall.BATCH_SLOTS - 1);
            RecallResult result = store.recall(new RecallQuery(x, 1, 0f, -1f, false));
            assertThat(result.hits()).extracting(h -> h.memory().content()).containsExactly("x, again");
        }
    }

    /**
     * Two parts; X is replaced when first scored. Whichever part holds X's old version beside C,
     * the new version (scanned at the end, by the caller's part) must not leave C out: when the
     * caller's part dropped C to make room for X's second version, the merge of the parts is short
     * of a candidate, and the pass runs again. Repeated, so that both parts take the first batch.
     */
    @Test
    void aSecondVersionOfAnIdNeverPushesABetterMemoryOutOfTheAnswer() {
        float[] x = towardsX(1f);
        for (int round = 0; round < 6; round++) {
            MemoryStore[] self = new MemoryStore[1];
            // Only recall scores: the fill below triggers nothing; x's old version (0.9) does.
            try (MemoryStore store = MemoryStore.open(dir.resolve("round-" + round), options(meddlingPut(self, 0.85f), 2))) {
                self[0] = store;
                store.put("x", write("x", towardsX(0.9f), 0.7f));
                store.put("c", write("c", towardsX(0.8f), 0.7f));
                for (int i = 0; i < 2 * Recall.MIN_SLOTS_PER_THREAD + 100; i++) {
                    store.put("f" + i, write("filler", towardsX(0.1f + (i % 7) / 100f), 0.7f));
                }
                RecallResult result = store.recall(new RecallQuery(x, 2, 0f, -1f, false));
                assertThat(result.hits()).as("round %d: %s", round, RecallOracle.describe(result.hits()))
                        .extracting(h -> h.memory().id()).containsExactly("x", "c");
            }
        }
    }

    /** A loop that, the first time a score passes {@code above}, replaces x with the same embedding. */
    private static VectorScorer meddlingPut(MemoryStore[] self, float above) {
        return meddling(above, () -> self[0].put("x", write("x, again", towardsX(0.9f), 0.7f)));
    }

    @Test
    void aMemoryWhoseRecordCannotBeReadIsLeftOutOfTheAnswer() throws Exception {
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            for (String id : List.of("a", "b", "c")) {
                store.put(id, write(id, new float[DIMENSION], 0.7f));
            }
            DamagedFiles damage = new DamagedFiles(dir, DIMENSION);
            long record = damage.readSlotLong(store.get("b").orElseThrow().slot(), SlotLayout.CONTENT_OFFSET_OFFSET);
            // Written through the file into the open store's mapping: b's record is no longer committed.
            damage.writeContentBytes(record + ContentRecordLayout.STATE_OFFSET,
                    DamagedFiles.littleEndianInt(ContentRecordLayout.STATE_PADDING));
            // A zero query ties everything: ids are read while the scan ranks, and b's cannot be.
            RecallResult result = store.recall(RecallQuery.of(new float[DIMENSION], 2));
            assertThat(result.hits()).extracting(h -> h.memory().id()).containsExactly("a", "c");
            assertThat(store.recall(RecallQuery.of(new float[DIMENSION], 3)).hits()).extracting(h -> h.memory().id())
                    .containsExactly("a", "c");
            assertThatThrownBy(() -> store.get("b")).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void aZeroVectorIsStoredWithTheNormMinusZeroAndAnOldSlotsZeroNormIsComputed() {
        try (MemoryStore store = open(VectorScorers.best(), 1)) {
            StoredMemory none = store.put("none", MemoryWrite.of("no embedding")).memory();
            StoredMemory zero = store.put("zero", write("zeros", new float[DIMENSION], 0.7f)).memory();
            SlotFile slots = store.active().slots();
            for (StoredMemory m : List.of(none, zero)) {
                assertThat(Float.floatToRawIntBits(SlotLayout.NORM.get(slots.chunkOf(m.slot()), slots.baseOf(m.slot()))))
                        .as("norm word of %s", m.id()).isEqualTo(SlotLayout.ZERO_VECTOR_NORM_BITS);
            }
            float[] x = towardsX(1f);
            assertThat(store.recall(RecallQuery.of(x, 5)).hits()).extracting(RecallHit::score).containsOnly(0f);
        }
    }

    @Test
    void aRecallOfAClosedStoreFails() {
        MemoryStore store = open(VectorScorers.best(), 2);
        store.close();
        assertThatThrownBy(() -> store.recall(RecallQuery.of(new float[DIMENSION], 1)))
                .isInstanceOf(StoreClosedException.class);
    }
}
