package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The writable fields of a memory, as a PUT, POST or batch item sends them. Fields left out take
 * their defaults; {@code content} is required (it may be empty).
 */
@Schema(name = "MemoryBody", description = "The writable fields of a memory")
public record MemoryBody(
        @Schema(description = "UTF-8 text, at most warmtier.max-content-bytes bytes; may be empty",
                example = "Content from thread 0 episode 0", requiredMode = Schema.RequiredMode.REQUIRED)
        String content,
        @Schema(description = "exactly warmtier.embedding-dimension finite floats; missing means all zeros",
                example = "[0.0, 0.1, 0.2]")
        float[] embedding,
        @Schema(description = "finite, in [0, 1]; 0.7 when left out", example = "0.7")
        Float confidence,
        @Schema(description = "finite, in [0, 1]; 0.0 when left out", example = "0.0")
        Float activation,
        @Schema(description = "finite, >= 0; 0.1 when left out", example = "0.1")
        Float decayRate) {
}
