package dev.warmtier.engine;

/**
 * One answer of a recall: a memory as it was when scored, and its cosine similarity to the query.
 *
 * @param score in [-1, 1]; 0 when either vector is zero
 */
public record RecallHit(StoredMemory memory, float score) {
}
