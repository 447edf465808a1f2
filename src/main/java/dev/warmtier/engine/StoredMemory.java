package dev.warmtier.engine;

import java.time.Instant;

/**
 * One memory as stored.
 *
 * @param embedding the stored floats, or {@code null} when the read asked to leave them out
 * @param version   strictly increasing across all writes of the store
 * @param slot      the slot holding this version; two live memories never share one
 */
public record StoredMemory(String id, String content, float[] embedding, float confidence, float activation,
                           float decayRate, Instant createdAt, Instant updatedAt, long version, long slot) {
}
