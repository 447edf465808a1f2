package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** Up to 1000 memories to put, each with its id. */
@Schema(name = "BatchRequest")
public record BatchRequest(@Schema(description = "1 to 1000 items") List<BatchItem> memories) {

    /** A batch item: an id and the writable fields. */
    @Schema(name = "BatchItem")
    public record BatchItem(
            @Schema(example = "thread-0-ep-1", requiredMode = Schema.RequiredMode.REQUIRED) String id,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String content,
            float[] embedding, Float confidence, Float activation, Float decayRate) {

        MemoryBody body() {
            return new MemoryBody(content, embedding, confidence, activation, decayRate);
        }
    }
}
