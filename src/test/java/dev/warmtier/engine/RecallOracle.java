package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference a recall is held to: every live memory scored in double precision, filtered and
 * fully sorted, compared with what the store answered. Scores computed in float may differ from
 * the reference in their last bits, so scores within {@link #TOLERANCE} of each other, or of
 * {@code minScore}, may come in either order or either side of the filter; everything else must
 * be exact: which memories, in which order, equal scores by id, each memory whole.
 */
public final class RecallOracle {

    public static final double TOLERANCE = 1e-5;

    /** What the test wrote and did not delete: id to its last write. */
    private final Map<String, MemoryWrite> live = new LinkedHashMap<>();
    private final int dimension;

    RecallOracle(int dimension) {
        this.dimension = dimension;
    }

    void put(String id, MemoryWrite write) {
        live.put(id, write);
    }

    void delete(String id) {
        live.remove(id);
    }

    int size() {
        return live.size();
    }

    record Scored(String id, double score) {
    }

    /**
     * The embedding written with {@code content} by the consistency tests: a function of the
     * content, so a torn or mixed read cannot match it.
     */
    public static float[] embeddingOf(String content, int dimension) {
        java.util.Random random = new java.util.Random(content.hashCode());
        float[] values = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Cosine similarity in double; 0 when either vector is zero (a missing embedding is zeros). */
    public static double cosine(float[] query, float[] embedding) {
        if (embedding == null) {
            return 0;
        }
        double dot = 0;
        double qq = 0;
        double ee = 0;
        for (int i = 0; i < query.length; i++) {
            dot += (double) query[i] * embedding[i];
            qq += (double) query[i] * query[i];
            ee += (double) embedding[i] * embedding[i];
        }
        return qq == 0 || ee == 0 ? 0 : dot / (Math.sqrt(qq) * Math.sqrt(ee));
    }

    /** Every live memory passing the query's confidence filter, best first, ties by id; the score filter is the caller's. */
    List<Scored> ranked(RecallQuery query) {
        List<Scored> all = new ArrayList<>();
        live.forEach((id, write) -> {
            if (write.confidence() >= query.minConfidence()) {
                all.add(new Scored(id, cosine(query.embedding(), write.embedding())));
            }
        });
        all.sort(Comparator.comparingDouble((Scored s) -> -s.score()).thenComparing(Scored::id));
        return all;
    }

    /** Asserts that {@code result} is the answer to {@code query} over what this oracle holds. */
    void assertAnswers(RecallQuery query, RecallResult result) {
        List<RecallHit> hits = result.hits();
        String context = "query k=" + query.k() + " minConfidence=" + query.minConfidence() + " minScore="
                + query.minScore() + "; hits " + describe(hits) + "; reference " + ranked(query);
        Map<String, Double> reference = new LinkedHashMap<>();
        for (Scored s : ranked(query)) {
            reference.put(s.id(), s.score());
        }
        assertThat(hits.size()).as("at most k: %s", context).isLessThanOrEqualTo(query.k());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < hits.size(); i++) {
            RecallHit hit = hits.get(i);
            String id = hit.memory().id();
            assertThat(seen.add(id)).as("id %s once: %s", id, context).isTrue();
            assertThat(reference).as("hit %s is live and passes the confidence filter: %s", id, context).containsKey(id);
            double expected = reference.get(id);
            assertThat((double) hit.score()).as("score of %s: %s", id, context).isCloseTo(expected,
                    org.assertj.core.data.Offset.offset(TOLERANCE));
            assertThat((double) hit.score()).as("score of %s passes minScore: %s", id, context)
                    .isGreaterThanOrEqualTo(query.minScore());
            assertThat(hit.score()).as("score of %s in [-1, 1]", id).isBetween(-1f, 1f);
            MemoryWrite written = live.get(id);
            assertThat(hit.memory().content()).as("content of %s", id).isEqualTo(written.content());
            assertThat(hit.memory().confidence()).as("confidence of %s", id).isEqualTo(written.confidence());
            if (query.withEmbedding()) {
                assertThat(hit.memory().embedding()).as("embedding of %s", id)
                        .isEqualTo(written.embedding() == null ? new float[dimension] : written.embedding());
            } else {
                assertThat(hit.memory().embedding()).as("no embedding asked for %s", id).isNull();
            }
            if (i > 0) {
                RecallHit before = hits.get(i - 1);
                boolean ordered = before.score() > hit.score()
                        || (before.score() == hit.score() && before.memory().id().compareTo(id) < 0);
                assertThat(ordered).as("hit %d (%s %s) after hit %d (%s %s): best first, ties by id; %s", i, id,
                        hit.score(), i - 1, before.memory().id(), before.score(), context).isTrue();
            }
        }
        // Equal embeddings score the same float: of those, the smaller ids come first, so no id
        // missing from the hits may be smaller than a hit with its embedding.
        Map<String, List<String>> idsByEmbedding = new java.util.HashMap<>();
        reference.keySet().forEach(id -> idsByEmbedding.computeIfAbsent(key(live.get(id)), e -> new ArrayList<>()).add(id));
        for (RecallHit hit : hits) {
            for (String id : idsByEmbedding.get(key(live.get(hit.memory().id())))) {
                if (!seen.contains(id) && id.compareTo(hit.memory().id()) < 0) {
                    throw new AssertionError(id + " has the embedding of hit " + hit.memory().id()
                            + " and a smaller id, so it comes first, but is missing: " + context);
                }
            }
        }
        // Nothing clearly better than the last hit is missing; when fewer than k came back, nothing
        // clearly passing the filter is missing.
        double floor = hits.size() == query.k() ? hits.get(hits.size() - 1).score() + TOLERANCE
                : query.minScore() + TOLERANCE;
        reference.forEach((id, score) -> {
            if (score >= floor && score >= query.minScore() + TOLERANCE) {
                assertThat(seen).as("%s (score %s) is among the hits: %s", id, score, context).contains(id);
            }
        });
    }

    /** What decides a score exactly: the embedding (a missing one is zeros). */
    private String key(MemoryWrite write) {
        return java.util.Arrays.toString(write.embedding() == null ? new float[dimension] : write.embedding());
    }

    static String describe(List<RecallHit> hits) {
        List<String> out = new ArrayList<>();
        for (RecallHit hit : hits) {
            out.add(hit.memory().id() + "=" + hit.score() + "@v" + hit.memory().version());
        }
        return out.toString();
    }
}
