package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A check that cannot fail proves nothing: each count is made non-zero by damage written into
 * the open store's files (a FileChannel write lands in the same page cache the mapping reads).
 */
class InvariantCheckerTests {

    @TempDir
    Path dir;
    MemoryStore store;
    DamagedFiles damage;

    @BeforeEach
    void open() {
        store = TestStores.open(dir);
        damage = new DamagedFiles(dir, TestStores.DIMENSION);
        for (int i = 0; i < 10; i++) {
            store.put("k" + i, TestStores.write("value " + i, i));
        }
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aHealthyStoreReportsZeroEverywhere() {
        InvariantReport report = store.check();
        assertThat(report.invariants().ok()).isTrue();
        assertThat(report.violations()).isZero();
        assertThat(report.slotsAllocated()).isEqualTo(10);
        assertThat(report.slotsLive()).isEqualTo(10);
        assertThat(report.slotCapacity()).as("10 slots and the headroom kept for deletes, in chunks of 16")
                .isEqualTo(10 + SlotAppender.DELETE_HEADROOM <= 16 ? 16 : 32);
        assertThat(report.contentBytes()).isEqualTo(store.stats().contentBytes());
        assertThat(report.liveContentBytes()).isEqualTo(store.stats().liveContentBytes()).isPositive();
        assertThat(report.invariants().checkedAt()).isNotNull();
    }

    @Test
    void aFlippedSlotByteIsAChecksumFailure() throws Exception {
        long slot = store.get("k3").orElseThrow().slot();
        damage.flipSlotByte(slot, SlotLayout.EMBEDDING_OFFSET + 2);
        InvariantReport report = store.check();
        assertThat(report.invariants().checksumFailures()).isEqualTo(1);
        assertThat(report.invariants().ok()).isFalse();
        assertThat(store.stats().readChecksumFailures()).isZero();
        Assertions.assertThatThrownBy(() -> store.get("k3"))
                .isInstanceOf(CorruptionException.class).hasMessageContaining("checksum");
        assertThat(store.stats().readChecksumFailures()).isEqualTo(1);
    }

    @Test
    void aFlippedContentByteIsAChecksumFailure() throws Exception {
        damage.flipContentByte(ContentRecordLayout.ID_OFFSET + 3);
        assertThat(store.check().invariants().checksumFailures()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aDamagedRecordLengthShowsAsContentLengthMismatch() throws Exception {
        // Zero the length word of the third record: the walk stops there, short of the tail.
        long third = 0;
        for (int i = 0; i < 2; i++) {
            third += ContentRecordLayout.recordLength(2, ("value " + i).length());
        }
        damage.writeContentBytes(third, DamagedFiles.littleEndianInt(0));
        InvariantReport report = store.check();
        assertThat(report.invariants().contentLengthMismatchBytes()).isEqualTo(report.contentBytes() - third);
    }

    @Test
    void dataAtOrPastTheNextSlotMarkIsNonMonotonic() throws Exception {
        damage.writeSlotBytes(12, SlotLayout.CONTENT_OFFSET_OFFSET, new byte[] {1});
        assertThat(store.check().invariants().nonMonotonicSlots()).isEqualTo(1);
    }

    @Test
    void aCommittedWinnerTheIndexDoesNotKnowIsAnIndexMismatch() throws Exception {
        // Forge a newer committed version of k1 in the next free slot, behind the index's back.
        long k1 = store.get("k1").orElseThrow().slot();
        long free = store.stats().slotsAllocated();
        byte[] copy = new byte[SlotLayout.slotSize(TestStores.DIMENSION)];
        damage.rewriteSlot(k1, b -> b.get(0, copy));
        damage.writeSlotBytes(free, 0, copy);
        damage.rewriteSlot(free, b -> b.putLong(SlotLayout.VERSION_OFFSET, 1_000));
        InvariantReport report = store.check();
        // The slot sits past the mark too, so it is also non-monotonic; both counts move.
        assertThat(report.invariants().indexMismatches()).isEqualTo(0);
        assertThat(report.invariants().nonMonotonicSlots()).isEqualTo(1);
        // Below the mark, the same forgery is an index mismatch.
        store.put("filler", MemoryWrite.of("x"));
        store.put("filler2", MemoryWrite.of("y"));
        long below = store.get("filler").orElseThrow().slot();
        damage.writeSlotBytes(below, 0, copy);
        damage.rewriteSlot(below, b -> b.putLong(SlotLayout.VERSION_OFFSET, 1_000));
        report = store.check();
        assertThat(report.invariants().indexMismatches()).as("%s", report).isGreaterThanOrEqualTo(1);
    }

    @Test
    void twoLiveSlotsPointingAtOneRecordOverlap() throws Exception {
        long k2 = store.get("k2").orElseThrow().slot();
        long k4 = store.get("k4").orElseThrow().slot();
        long[] offsetOfK2 = new long[1];
        damage.rewriteSlot(k2, b -> offsetOfK2[0] = b.getLong(SlotLayout.CONTENT_OFFSET_OFFSET));
        damage.rewriteSlot(k4, b -> b.putLong(SlotLayout.CONTENT_OFFSET_OFFSET, offsetOfK2[0]));
        InvariantReport report = store.check();
        assertThat(report.invariants().overlappingContentRanges()).isEqualTo(1);
        // k4's entry points at a slot holding k2's id, and that slot is now k2's newest committed
        // version, which the index does not know: two mismatches.
        assertThat(report.invariants().indexMismatches()).isEqualTo(2);
    }

    @Test
    void anIndexEntryWhoseSlotHoldsAnOlderVersionIsOneMismatch() throws Exception {
        StoredMemory k5 = store.get("k5").orElseThrow();
        damage.rewriteSlot(k5.slot(), b -> b.putLong(SlotLayout.VERSION_OFFSET, k5.version() - 1));
        InvariantReport report = store.check();
        assertThat(report.invariants().indexMismatches()).as("%s", report).isEqualTo(1);
        assertThat(report.invariants().checksumFailures()).isZero();
        assertThat(report.invariants().ok()).isFalse();
    }

    @Test
    void anIndexEntryWhoseSlotHoldsANewerVersionIsStaleAndLagging() throws Exception {
        StoredMemory k5 = store.get("k5").orElseThrow();
        damage.rewriteSlot(k5.slot(), b -> b.putLong(SlotLayout.VERSION_OFFSET, k5.version() + 1_000));
        InvariantReport report = store.check();
        assertThat(report.invariants().indexMismatches())
                .as("the entry is not backed, and the id has a committed version the index lacks: %s", report)
                .isEqualTo(2);
    }

    @Test
    void anIndexEntryWhoseSlotHoldsTheOtherKindIsAMismatch() throws Exception {
        long k6 = store.get("k6").orElseThrow().slot();
        damage.rewriteSlot(k6, b -> b.putInt(SlotLayout.KIND_OFFSET, SlotLayout.KIND_TOMBSTONE));
        InvariantReport report = store.check();
        assertThat(report.invariants().indexMismatches()).as("%s", report).isEqualTo(1);
    }

    @Test
    void anIdWithSeveralCommittedVersionsTheIndexLacksIsCountedOnce() throws Exception {
        long k1 = store.get("k1").orElseThrow().slot();
        byte[] copy = new byte[SlotLayout.slotSize(TestStores.DIMENSION)];
        damage.rewriteSlot(k1, b -> b.get(0, copy));
        List<Long> below = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            store.put("filler" + i, MemoryWrite.of("x" + i));
            below.add(store.get("filler" + i).orElseThrow().slot());
        }
        store.put("last", MemoryWrite.of("z"));
        long version = 1_000;
        for (long slot : below) {
            long v = version++;
            damage.writeSlotBytes(slot, 0, copy);
            damage.rewriteSlot(slot, b -> b.putLong(SlotLayout.VERSION_OFFSET, v));
        }
        InvariantReport report = store.check();
        // k1 lags (once, though two slots are newer); both fillers' entries lost their slots.
        assertThat(report.invariants().indexMismatches()).as("%s", report).isEqualTo(3);
        assertThat(report.invariants().nonMonotonicSlots()).isZero();
    }

    @Test
    void overlapCountingCountsPairs() {
        assertThat(InvariantChecker.countOverlaps(List.of(new long[] {0, 10}, new long[] {10, 20}))).isZero();
        assertThat(InvariantChecker.countOverlaps(List.of(new long[] {0, 10}, new long[] {5, 20}))).isEqualTo(1);
        assertThat(InvariantChecker.countOverlaps(List.of(
                new long[] {0, 100}, new long[] {10, 20}, new long[] {15, 30}, new long[] {200, 210}))).isEqualTo(3);
    }
}
