package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The answer of a recall: best first, equal scores by id. */
@Schema(name = "RecallResponse")
public record RecallResponse(
        @Schema(description = "at most k, best first, equal scores by id; fewer when fewer live memories pass the filters")
        List<Result> results) {

    /** One memory of the answer, as it was when it was scored, with its score. */
    @Schema(name = "RecallResult")
    public record Result(
            @Schema(example = "thread-0-ep-0") String id,
            @Schema(description = "cosine similarity to the query, in [-1, 1]; 0 when either vector is zero",
                    example = "0.93") float score,
            @Schema(description = "the memory; its embedding only with ?embedding=true") MemoryResource memory) {
    }
}
