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
 * @param lastVersion              versions handed out from now on are above this one: on a clean start the
 *                                 exact last version before the close; after a scan the larger of the highest
 *                                 version in the slots and {@code versionCeiling}, so up to one block of
 *                                 versions is skipped, never one repeated
 * @param versionCeiling           the durable version ceiling found in {@code version-ceiling} at open; 0 when
 *                                 the file was new (a new store, or one made before the file existed) or damaged
 * @param versionCeilingRebuilt    both records of {@code version-ceiling} were damaged and the file was rewritten
 *                                 from the clean-shutdown snapshot's exact last version (without a snapshot,
 *                                 a damaged file fails the open)
 * @param generation               the generation {@code CURRENT} named, whose files were opened (0 before
 *                                 the store's first compaction)
 * @param generationsDeleted       generations deleted at open: one a crash during a compaction half made,
 *                                 or one it had replaced and not yet deleted
 * @param tookMillis               time the recovery took
 */
public record RecoveryReport(boolean cleanStart, boolean created, long slotsScanned, long committedSlots, long tornSlotsDiscarded,
                             long invalidSlotsDiscarded, long abandonedSlots, long abandonedRecords,
                             long contentBytesTruncated, long contentBytesBridged, long liveMemories, long tombstones,
                             long lastVersion, long versionCeiling, boolean versionCeilingRebuilt, long generation,
                             long generationsDeleted, long tookMillis) {

    /** Whether this open had to rebuild an existing store from its files (a crash, a kill, a power loss). */
    public boolean recovered() {
        return !cleanStart && !created;
    }

    /** Records and slots recovery threw away: what an operator should hear about. */
    public long discarded() {
        return tornSlotsDiscarded + invalidSlotsDiscarded + abandonedRecords + (contentBytesTruncated > 0 ? 1 : 0)
                + (contentBytesBridged > 0 ? 1 : 0);
    }

    /** A report built field by field, as {@link StoreLoader} learns them; a field never set is 0 or false. */
    static final class Builder {
        private boolean cleanStart;
        private boolean created;
        private long slotsScanned;
        private long committedSlots;
        private long tornSlotsDiscarded;
        private long invalidSlotsDiscarded;
        private long abandonedSlots;
        private long abandonedRecords;
        private long contentBytesTruncated;
        private long contentBytesBridged;
        private long liveMemories;
        private long tombstones;
        private long lastVersion;
        private long versionCeiling;
        private boolean versionCeilingRebuilt;
        private long generation;
        private long generationsDeleted;
        private long tookMillis;

        Builder cleanStart(boolean value) {
            cleanStart = value;
            return this;
        }

        Builder created(boolean value) {
            created = value;
            return this;
        }

        Builder slotsScanned(long value) {
            slotsScanned = value;
            return this;
        }

        Builder committedSlots(long value) {
            committedSlots = value;
            return this;
        }

        Builder tornSlotsDiscarded(long value) {
            tornSlotsDiscarded = value;
            return this;
        }

        Builder invalidSlotsDiscarded(long value) {
            invalidSlotsDiscarded = value;
            return this;
        }

        Builder abandonedSlots(long value) {
            abandonedSlots = value;
            return this;
        }

        Builder abandonedRecords(long value) {
            abandonedRecords = value;
            return this;
        }

        Builder contentBytesTruncated(long value) {
            contentBytesTruncated = value;
            return this;
        }

        Builder contentBytesBridged(long value) {
            contentBytesBridged = value;
            return this;
        }

        Builder liveMemories(long value) {
            liveMemories = value;
            return this;
        }

        Builder tombstones(long value) {
            tombstones = value;
            return this;
        }

        Builder lastVersion(long value) {
            lastVersion = value;
            return this;
        }

        Builder versionCeiling(long value) {
            versionCeiling = value;
            return this;
        }

        Builder versionCeilingRebuilt(boolean value) {
            versionCeilingRebuilt = value;
            return this;
        }

        Builder generation(long value) {
            generation = value;
            return this;
        }

        Builder generationsDeleted(long value) {
            generationsDeleted = value;
            return this;
        }

        Builder tookMillis(long value) {
            tookMillis = value;
            return this;
        }

        RecoveryReport build() {
            return new RecoveryReport(cleanStart, created, slotsScanned, committedSlots, tornSlotsDiscarded,
                    invalidSlotsDiscarded, abandonedSlots, abandonedRecords, contentBytesTruncated, contentBytesBridged,
                    liveMemories, tombstones, lastVersion, versionCeiling, versionCeilingRebuilt, generation,
                    generationsDeleted, tookMillis);
        }
    }
}
