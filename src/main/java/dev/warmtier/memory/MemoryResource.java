package dev.warmtier.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.warmtier.engine.StoredMemory;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** A stored memory as the API answers it. */
@Schema(name = "Memory", description = "A stored memory")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemoryResource(
        @Schema(example = "thread-0-ep-0") String id,
        @Schema(example = "default") String space,
        @Schema(example = "Content from thread 0 episode 0") String content,
        @Schema(description = "left out when the request asked for ?embedding=false, and in lists") float[] embedding,
        @Schema(example = "0.7") float confidence,
        @Schema(example = "0.0") float activation,
        @Schema(example = "0.1") float decayRate,
        @Schema(example = "2026-11-25T20:10:00.123Z") Instant createdAt,
        @Schema(example = "2026-11-25T20:10:00.123Z") Instant updatedAt,
        @Schema(description = "strictly increasing across all writes of a space; also the ETag", example = "17")
        long version,
        @Schema(description = "read-only diagnostic: the storage slot holding this version", example = "42")
        long slot) {

    static MemoryResource of(String space, StoredMemory m) {
        return new MemoryResource(m.id(), space, m.content(), m.embedding(), m.confidence(), m.activation(),
                m.decayRate(), m.createdAt(), m.updatedAt(), m.version(), m.slot());
    }

    MemoryResource withoutEmbedding() {
        return new MemoryResource(id, space, content, null, confidence, activation, decayRate, createdAt, updatedAt,
                version, slot);
    }

    String etag() {
        return "\"" + version + "\"";
    }
}
