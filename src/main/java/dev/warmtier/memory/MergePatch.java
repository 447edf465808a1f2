package dev.warmtier.memory;

import com.fasterxml.jackson.annotation.JsonSetter;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoredMemory;
import java.util.Optional;

/**
 * An RFC 7396 merge patch of the writable fields, as read from the request (its documented shape
 * is {@link MemoryPatch}). Per field: absent (null here, its setter never called) leaves it as it
 * is; JSON null ({@code Optional.empty()}) resets it to its default; a value replaces it. Each value
 * is read by the same rules as in a PUT, so the same JSON number is stored as the same float, and
 * an unknown member fails the read at once.
 */
final class MergePatch {

    private Optional<String> content;
    private Optional<float[]> embedding;
    private Optional<Float> confidence;
    private Optional<Float> activation;
    private Optional<Float> decayRate;

    @JsonSetter("content")
    void content(Optional<String> value) {
        content = value;
    }

    @JsonSetter("embedding")
    void embedding(Optional<float[]> value) {
        embedding = value;
    }

    @JsonSetter("confidence")
    void confidence(Optional<Float> value) {
        confidence = value;
    }

    @JsonSetter("activation")
    void activation(Optional<Float> value) {
        activation = value;
    }

    @JsonSetter("decayRate")
    void decayRate(Optional<Float> value) {
        decayRate = value;
    }

    /** The write that stores {@code current} with this patch applied. */
    MemoryWrite applyTo(StoredMemory current) {
        return new MemoryWrite(
                content == null ? current.content() : content.orElse(""),
                embedding == null ? current.embedding() : embedding.orElse(null),
                patched(confidence, current.confidence(), MemoryWrite.DEFAULT_CONFIDENCE),
                patched(activation, current.activation(), MemoryWrite.DEFAULT_ACTIVATION),
                patched(decayRate, current.decayRate(), MemoryWrite.DEFAULT_DECAY_RATE));
    }

    private static float patched(Optional<Float> patch, float current, float reset) {
        return patch == null ? current : patch.orElse(reset);
    }

    /** The empty patch {@code {}}: it changes nothing. */
    boolean isEmpty() {
        return content == null && embedding == null && confidence == null && activation == null && decayRate == null;
    }
}
