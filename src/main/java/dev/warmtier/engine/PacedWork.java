package dev.warmtier.engine;

import java.util.function.LongSupplier;

/**
 * Counts one check's units of work (slots, index entries, records, across all its phases) and
 * calls the check's {@link CheckPace} after every {@link CheckPace#BATCH} of them. One per check,
 * used by the checking thread only, so the count is a plain field.
 */
final class PacedWork {

    private final CheckPace pace;
    private long units;

    PacedWork(CheckPace pace) {
        this.pace = pace;
    }

    /** Heap-only work, run where the check's pace says it holds up nothing. */
    long outside(LongSupplier work) {
        return pace.outside(work);
    }

    void unitDone() {
        if (++units % CheckPace.BATCH == 0) {
            pace.pause();
        }
    }
}
