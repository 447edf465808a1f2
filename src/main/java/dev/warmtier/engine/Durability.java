package dev.warmtier.engine;

/**
 * How far an acknowledged write has travelled when the store answers.
 *
 * <p>Every mode survives a crash of the process ({@code kill -9}): the data is in the kernel's
 * page cache the moment it is written to the mapping. The modes differ in what survives a crash
 * of the machine (power loss, kernel panic).
 */
public enum Durability {
    /** Page cache only; the kernel writes back when it likes. Survives a process crash. */
    NONE,
    /** Dirty chunks are forced to disk at least every sync interval by a background flusher. */
    INTERVAL,
    /** The written content record and slot are forced to disk before the write returns. */
    ALWAYS
}
