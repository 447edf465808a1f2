package dev.warmtier.engine;

/**
 * What opening a store found and repaired.
 *
 * @param cleanStart               the clean-shutdown snapshot was valid and the scan was skipped
 * @param created                  the store's files did not exist before this open: nothing to recover
 * @param slotsScanned             slots examined by the scan (0 on a clean start)
 * @param committedSlots           committed, checksum-valid slots found
 * @param tornSlotsDiscarded       slots with data but no commit, or a damaged state word; cleared
 * @param invalidSlotsDiscarded    committed slots failing their checksum or pointing at a bad record; cleared
 * @param abandonedSlots           slots a writer gave up on before the last close
 * @param abandonedRecords         content reservations whose writer died; turned into padding
 * @param contentBytesTruncated    bytes of the content log past its first invalid record; zeroed
 * @param contentBytesBridged      bytes of holes in the content log (headers a power loss kept from the
 *                                 disk) before records that committed slots vouch for; made padding
 * @param liveMemories             ids whose highest version is a memory, not a tombstone
 * @param tombstones               ids whose highest version is a delete
 * @param tookMillis               time the recovery took
 */
public record RecoveryReport(boolean cleanStart, boolean created, long slotsScanned, long committedSlots, long tornSlotsDiscarded,
                             long invalidSlotsDiscarded, long abandonedSlots, long abandonedRecords,
                             long contentBytesTruncated, long contentBytesBridged, long liveMemories, long tombstones,
                             long tookMillis) {

    /** Whether this open had to rebuild an existing store from its files (a crash, a kill, a power loss). */
    public boolean recovered() {
        return !cleanStart && !created;
    }

    /** Records and slots recovery threw away: what an operator should hear about. */
    public long discarded() {
        return tornSlotsDiscarded + invalidSlotsDiscarded + abandonedRecords + (contentBytesTruncated > 0 ? 1 : 0)
                + (contentBytesBridged > 0 ? 1 : 0);
    }
}
