package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The shape of a merge patch, for the OpenAPI document only: the request is read as a
 * {@link MergePatch} (RFC 7396), where a member given replaces the field and a null resets it to
 * its default.
 */
@Schema(name = "MemoryPatch", description = "RFC 7396 merge patch of the writable fields; null resets a field")
record MemoryPatch(
        @Schema(description = "new content; null means empty", example = "Revised content") String content,
        @Schema(description = "new embedding; null means all zeros") float[] embedding,
        @Schema(description = "finite, in [0, 1]; null means 0.7", example = "0.9") Float confidence,
        @Schema(description = "finite, in [0, 1]; null means 0.0", example = "0.2") Float activation,
        @Schema(description = "finite, >= 0; null means 0.1", example = "0.1") Float decayRate) {
}
