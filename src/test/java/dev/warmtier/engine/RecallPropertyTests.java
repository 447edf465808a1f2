package dev.warmtier.engine;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Drawn data: a history of puts and deletes over a few ids, with embeddings of small integers (so
 * equal scores, zero vectors and exact cosines like 0.5 are common) and a few confidence values,
 * then a query with its k and filters. Whatever is drawn, the recall answers what the reference
 * computation answers ({@link RecallOracle}); QuickTheories shrinks a failure to a small history.
 */
class RecallPropertyTests {

    private static final int DIMENSION = 4;
    private static final float[] CONFIDENCES = {0f, 0.3f, 0.7f, 1f};
    private static final float[] MIN_SCORES = {-1f, -0.5f, 0f, 0.5f, 0.9f};

    @TempDir
    Path root;

    /** One step of the history: op 0 deletes id, any other op puts it with the embedding and confidence. */
    record Step(int op, int id, List<Integer> embedding, int confidence) {
        @Override
        public String toString() {
            return op == 0 ? "delete m" + id : "put m" + id + " " + embedding + " c=" + CONFIDENCES[confidence];
        }
    }

    /** A few embeddings drawn often, so that equal scores are common; zero among them. */
    private static final List<List<Integer>> PALETTE = List.of(List.of(0, 0, 0, 0), List.of(1, 0, 0, 0),
            List.of(1, 1, 1, 1), List.of(0, -1, 1, 0), List.of(-1, 0, 0, 0));

    private static Gen<List<Integer>> vector() {
        Gen<List<Integer>> any = lists().of(integers().between(-2, 2)).ofSize(DIMENSION);
        return integers().between(0, 2 * PALETTE.size() - 1).zip(any,
                (pick, drawn) -> pick < PALETTE.size() ? PALETTE.get(pick) : drawn);
    }

    private static Gen<Step> steps() {
        return integers().between(0, 4).zip(integers().between(0, 11), vector(), integers().between(0, 3), Step::new);
    }

    private static float[] floats(List<Integer> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    @Test
    void recallAnswersTheReferenceWhateverTheHistoryAndQuery() {
        List<VectorScorer> scorers = RecallTests.scorers();
        int[] example = {0};
        qt().withExamples(150).withShrinkCycles(200)
                .forAll(lists().of(steps()).ofSizeBetween(0, 40), vector(), integers().between(1, 15),
                        integers().between(0, CONFIDENCES.length - 1).zip(integers().between(0, MIN_SCORES.length - 1),
                                (c, s) -> new float[] {CONFIDENCES[c], MIN_SCORES[s]}))
                .checkAssert((history, query, k, filters) -> {
                    for (VectorScorer scorer : scorers) {
                        Path dir = root.resolve("example-" + example[0]++);
                        check(dir, scorer, history, new RecallQuery(floats(query), k, filters[0], filters[1], true));
                    }
                });
    }

    private static void check(Path dir, VectorScorer scorer, List<Step> history, RecallQuery query) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RecallOracle oracle = new RecallOracle(DIMENSION);
        StoreOptions options = StoreOptions.defaults().withEmbeddingDimension(DIMENSION)
                .withDurability(Durability.NONE, Duration.ofMillis(100)).withRecall(scorer, 1);
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (Step step : history) {
                String id = "m" + step.id();
                if (step.op() == 0) {
                    store.delete(id);
                    oracle.delete(id);
                } else {
                    MemoryWrite write = new MemoryWrite(step.toString(), floats(step.embedding()),
                            CONFIDENCES[step.confidence()], 0f, 0.1f);
                    store.put(id, write);
                    oracle.put(id, write);
                }
            }
            oracle.assertAnswers(query, store.recall(query));
        }
    }
}
