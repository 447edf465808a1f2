package dev.warmtier.engine;

/**
 * The index's view of one id: its highest committed version and the slot holding it. Deletes stay
 * in the index as tombstones, so conditional writes and the checker see exactly what recovery
 * would rebuild: per id, the highest committed version.
 */
record IndexEntry(long slot, long version, boolean tombstone, int recordLength) {
}
