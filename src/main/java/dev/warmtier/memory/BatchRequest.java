package dev.warmtier.memory;

import dev.warmtier.system.Precondition;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** Up to 1000 memories to put, each with its id. */
@Schema(name = "BatchRequest")
public record BatchRequest(@Schema(description = "1 to 1000 items") List<BatchItem> memories) {

    /**
     * A batch item: an id, the writable fields, and optionally its own preconditions, written as
     * the If-Match and If-None-Match headers would be (the request's headers do not apply to items).
     */
    @Schema(name = "BatchItem")
    public record BatchItem(
            @Schema(example = "thread-0-ep-1", requiredMode = Schema.RequiredMode.REQUIRED) String id,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String content,
            float[] embedding, Float confidence, Float activation, Float decayRate,
            @Schema(description = "stores the item only if its live version is one of these entity tags, "
                    + "as the If-Match header", example = "\"17\"") String ifMatch,
            @Schema(description = "stores the item only if its live version is none of these (* : only if "
                    + "absent), as the If-None-Match header", example = "*") String ifNoneMatch) {

        MemoryBody body() {
            return new MemoryBody(content, embedding, confidence, activation, decayRate);
        }

        Precondition precondition() {
            return Precondition.ofItem(ifMatch, ifNoneMatch);
        }
    }
}
