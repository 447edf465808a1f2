package dev.warmtier.engine;

/**
 * What a recall asks: the {@code k} live memories most like {@code embedding} by cosine
 * similarity, among those with confidence at least {@code minConfidence} and score at least
 * {@code minScore}. A zero query, like a zero embedding, scores 0 against everything.
 *
 * @param embedding     the query, {@code dimension} finite floats (checked by the store)
 * @param k             how many at most, 1 to {@link #MAX_K}
 * @param minConfidence in [0, 1]
 * @param minScore      in [-1, 1]
 * @param withEmbedding whether the answer's memories carry their embeddings
 */
public record RecallQuery(float[] embedding, int k, float minConfidence, float minScore, boolean withEmbedding) {

    public static final int MAX_K = 1000;
    public static final int DEFAULT_K = 10;

    public RecallQuery {
        if (embedding == null) {
            throw new IllegalArgumentException("embedding: must be given");
        }
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k: must be in 1.." + MAX_K + ", was " + k);
        }
        if (!Float.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 1) {
            throw new IllegalArgumentException("minConfidence: must be finite and in [0, 1], was " + minConfidence);
        }
        if (!Float.isFinite(minScore) || minScore < -1 || minScore > 1) {
            throw new IllegalArgumentException("minScore: must be finite and in [-1, 1], was " + minScore);
        }
    }

    /** The {@code k} most similar, no filter, without embeddings. */
    public static RecallQuery of(float[] embedding, int k) {
        return new RecallQuery(embedding, k, 0f, -1f, false);
    }
}
