package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.media.Schema;

/** What a recall asks; fields left out take their defaults, the embedding is required. */
@Schema(name = "RecallRequest", description = "The query of a recall: the k live memories most similar to an embedding")
public record RecallRequest(
        @Schema(description = "the query: exactly warmtier.embedding-dimension finite floats; a zero vector scores 0 "
                + "against everything (the answer is then the k smallest ids)", example = "[0.0, 0.1, 0.2]",
                requiredMode = Schema.RequiredMode.REQUIRED)
        float[] embedding,
        @Schema(description = "how many memories at most, 1 to 1000; 10 when left out", example = "10")
        Integer k,
        @Schema(description = "only memories with confidence at least this, in [0, 1]; 0.0 when left out",
                example = "0.0")
        Float minConfidence,
        @Schema(description = "only memories with cosine similarity at least this, in [-1, 1]; -1.0 when left out",
                example = "-1.0")
        Float minScore) {
}
