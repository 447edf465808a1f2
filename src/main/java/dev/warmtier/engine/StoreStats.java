package dev.warmtier.engine;

/**
 * Cheap counters of a store, read without a scan.
 *
 * @param readChecksumFailures committed slots or records that failed their checksum when read
 * @param abandonedWrites      slots claimed since open and given up (failed precondition or failed write)
 * @param flushFailures        background flushes that failed; the chunks stay dirty and are retried
 * @param growthEvents         extensions of either file since open, each by up to a zero-filled chunk
 */
public record StoreStats(long slotsAllocated, long slotsLive, long slotCapacity, long contentBytes,
                         long liveContentBytes, long readChecksumFailures, long abandonedWrites,
                         long flushFailures, long growthEvents) {
}
