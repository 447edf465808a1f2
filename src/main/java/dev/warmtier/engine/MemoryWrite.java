package dev.warmtier.engine;

import java.util.Objects;

/**
 * What a caller writes: the content and scalars of one memory. The engine assigns id-independent
 * fields (version, slot, timestamps) itself.
 *
 * @param embedding exactly the store's dimension of finite floats, or {@code null} for all zeros
 */
public record MemoryWrite(String content, float[] embedding, float confidence, float activation, float decayRate) {

    public static final float DEFAULT_CONFIDENCE = 0.7f;
    public static final float DEFAULT_ACTIVATION = 0.0f;
    public static final float DEFAULT_DECAY_RATE = 0.1f;

    public MemoryWrite {
        Objects.requireNonNull(content, "content");
    }

    /** Content with the contract's default scalars and no embedding. */
    public static MemoryWrite of(String content) {
        return new MemoryWrite(content, null, DEFAULT_CONFIDENCE, DEFAULT_ACTIVATION, DEFAULT_DECAY_RATE);
    }

    public MemoryWrite withEmbedding(float[] values) {
        return new MemoryWrite(content, values, confidence, activation, decayRate);
    }
}
