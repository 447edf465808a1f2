package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** One page of a space's memories, in id order, without embeddings. */
@Schema(name = "MemoryPage")
public record MemoryPage(
        List<MemoryResource> items,
        @Schema(description = "cursor for the next page (pass as ?after=), or null on the last page", nullable = true)
        String next) {
}
