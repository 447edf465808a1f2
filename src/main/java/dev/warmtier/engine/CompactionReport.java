package dev.warmtier.engine;

import java.time.Instant;

/**
 * What one compaction did.
 *
 * @param generation     the generation it made current
 * @param slotsBefore    slots allocated in the generation it replaced
 * @param slotsAfter     slots allocated in the new one when it became current
 * @param bytesBefore    bytes of the replaced generation's two data files
 * @param bytesAfter     bytes of the new generation's two data files when it became current
 * @param liveMemories   memories it carried over
 * @param copiedAgain    copies made again because their memory changed during the copy
 * @param pausedMicros   how long operations waited for the switch (the stall a request can see)
 * @param tookMillis     from start to the old generation deleted
 * @param finishedAt     when it finished
 * @param oldFilesLeft   the old generation's files could not be deleted (the next open deletes them)
 */
public record CompactionReport(long generation, long slotsBefore, long slotsAfter, long bytesBefore, long bytesAfter,
                               long liveMemories, long copiedAgain, long pausedMicros, long tookMillis,
                               Instant finishedAt, boolean oldFilesLeft) {

    /** Bytes given back to the file system. */
    public long bytesReclaimed() {
        return Math.max(0, bytesBefore - bytesAfter);
    }
}
