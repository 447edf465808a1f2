package dev.warmtier.engine;

import java.time.Instant;

/**
 * The result of one full check of a store, with the field names of the contract's
 * {@code /actuator/warmtier} report.
 */
public record InvariantReport(long slotsAllocated, long slotsLive, long slotCapacity, long contentBytes,
                              long liveContentBytes, Invariants invariants) {

    /**
     * @param duplicateSlots              live index entries pointing at a slot another live entry also points at
     * @param overlappingContentRanges    pairs of live content records whose byte ranges overlap
     * @param contentLengthMismatchBytes  |sum of record lengths walked in the content log - its end offset|
     * @param nonMonotonicSlots           slots at or past the next-slot mark that hold data
     * @param checksumFailures            committed slots or content records whose checksum does not match
     * @param indexMismatches             index entries not backed by a committed slot for that id and
     *                                    version, plus committed winning slots the index does not know
     */
    public record Invariants(boolean ok, long duplicateSlots, long overlappingContentRanges,
                             long contentLengthMismatchBytes, long nonMonotonicSlots, long checksumFailures,
                             long indexMismatches, Instant checkedAt, long tookMillis) {
    }

    public long violations() {
        Invariants i = invariants;
        return i.duplicateSlots() + i.overlappingContentRanges() + i.contentLengthMismatchBytes()
                + i.nonMonotonicSlots() + i.checksumFailures() + i.indexMismatches();
    }
}
