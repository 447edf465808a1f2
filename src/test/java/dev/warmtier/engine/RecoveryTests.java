package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery after the files were left as a crash or a bad disk leaves them: partial bytes written
 * straight into the files of a closed store.
 */
class RecoveryTests {

    @TempDir
    Path dir;

    private DamagedFiles damage() {
        return new DamagedFiles(dir, TestStores.DIMENSION);
    }

    @Test
    void aSlotTornMidWriteIsDiscardedAndTheDataBeforeItSurvives() throws Exception {
        long next;
        try (MemoryStore store = TestStores.open(dir)) {
            for (int i = 0; i < 5; i++) {
                store.put("k" + i, TestStores.write("v" + i, i));
            }
            next = store.stats().slotsAllocated();
        }
        // A writer claimed the next slot and got half its payload out before the process died:
        // bytes present, state word never written.
        damage().crashed().writeSlotBytes(next, SlotLayout.CONTENT_OFFSET_OFFSET, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        damage().writeSlotBytes(next, SlotLayout.EMBEDDING_OFFSET, new byte[] {42, 42, 42, 42});

        try (MemoryStore store = TestStores.open(dir)) {
            RecoveryReport recovery = store.recovery();
            assertThat(recovery.cleanStart()).isFalse();
            assertThat(recovery.tornSlotsDiscarded()).isEqualTo(1);
            assertThat(recovery.committedSlots()).isEqualTo(5);
            assertThat(store.stats().slotsAllocated()).isEqualTo(next);
            for (int i = 0; i < 5; i++) {
                assertThat(store.get("k" + i).orElseThrow().content()).isEqualTo("v" + i);
            }
            // The torn slot was cleared, so the next write claims it cleanly and the checker is happy.
            assertThat(store.put("k5", MemoryWrite.of("v5")).memory().slot()).isEqualTo(next);
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void aTornSlotIsClearedSoTheNextRecoveryFindsItBlank() throws Exception {
        long next;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("k", MemoryWrite.of("v"));
            next = store.stats().slotsAllocated();
        }
        damage().crashed().writeSlotBytes(next, SlotLayout.EMBEDDING_OFFSET, new byte[] {42, 42, 42, 42});
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().tornSlotsDiscarded()).isEqualTo(1);
        }
        damage().crashed();
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().cleanStart()).isFalse();
            assertThat(store.recovery().tornSlotsDiscarded()).as("cleared, not just skipped").isZero();
            assertThat(store.get("k").orElseThrow().content()).isEqualTo("v");
        }
    }

    @Test
    void aCommittedSlotWithADamagedByteIsDiscardedAndTheOlderVersionWins() throws Exception {
        long slotOfNewest;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("k", MemoryWrite.of("old"));
            slotOfNewest = store.put("k", MemoryWrite.of("new")).memory().slot();
        }
        damage().crashed().flipSlotByte(slotOfNewest, SlotLayout.EMBEDDING_OFFSET + 1);

        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(store.get("k").orElseThrow().content()).isEqualTo("old");
            assertThat(store.check().violations()).isZero();
        }
        // The discarded slot was cleared, not just skipped: a second recovery finds it blank.
        damage().crashed();
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().cleanStart()).isFalse();
            assertThat(store.recovery().invalidSlotsDiscarded()).isZero();
            assertThat(store.recovery().tornSlotsDiscarded()).isZero();
            assertThat(store.get("k").orElseThrow().content()).isEqualTo("old");
        }
    }

    @Test
    void recoveryKeepsTheHighestVersionOfAnIdEvenWhenAnEarlierSlotHoldsIt() throws Exception {
        long first;
        long second;
        try (MemoryStore store = TestStores.open(dir)) {
            first = store.put("k", MemoryWrite.of("in the earlier slot")).memory().slot();
            second = store.put("k", MemoryWrite.of("in the later slot")).memory().slot();
            store.put("other", MemoryWrite.of("x"));
        }
        assertThat(first).isLessThan(second);
        // Slot order and version order disagree (as concurrent writers can leave them): the
        // earlier slot now holds the higher version, and it must win however the scan meets them.
        damage().crashed().rewriteSlot(first, b -> b.putLong(SlotLayout.VERSION_OFFSET, 500));

        try (MemoryStore store = TestStores.open(dir)) {
            StoredMemory k = store.get("k").orElseThrow();
            assertThat(k.content()).isEqualTo("in the earlier slot");
            assertThat(k.version()).isEqualTo(500);
            assertThat(k.slot()).isEqualTo(first);
            assertThat(store.recovery().liveMemories()).isEqualTo(2);
            assertThat(store.recovery().lastVersion()).isGreaterThanOrEqualTo(500);
            assertThat(store.put("next", MemoryWrite.of("y")).memory().version()).isGreaterThan(500);
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void anEarlierSlotHoldingAHigherVersionTombstoneDeletesTheId() throws Exception {
        long live;
        long deleted;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("k", MemoryWrite.of("gone"));
            deleted = store.delete("k").version();
            store.put("k", MemoryWrite.of("back"));
            live = store.version("k");
        }
        assertThat(live).isGreaterThan(deleted);
        long tombstoneSlot;
        try (MemoryStore store = TestStores.open(dir)) {
            tombstoneSlot = store.get("k").orElseThrow().slot() - 1;
        }
        damage().crashed().rewriteSlot(tombstoneSlot, b -> b.putLong(SlotLayout.VERSION_OFFSET, live + 100));

        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.get("k")).as("the tombstone has the highest version").isEmpty();
            assertThat(store.recovery().tombstones()).isEqualTo(1);
            assertThat(store.recovery().liveMemories()).isZero();
        }
    }

    @Test
    void aSlotWhoseVersionIsTornIsNotTrusted() throws Exception {
        long slot;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("k", MemoryWrite.of("first"));
            slot = store.put("k", MemoryWrite.of("second")).memory().slot();
        }
        // A version word half-written (only its low bytes) would make the slot look like another
        // version; the checksum covers the version, so the slot is discarded.
        damage().crashed().writeSlotBytes(slot, SlotLayout.VERSION_OFFSET + 4, new byte[] {0x7f});
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(store.get("k").orElseThrow().content()).isEqualTo("first");
        }
    }

    @Test
    void aContentLogCutShortOfRecordsTheSlotsVouchForIsRefusedAndPuttingItBackRecoversEverything() throws Exception {
        long cutAt;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", MemoryWrite.of(TestStores.text("a", 500)));
            store.put("b", MemoryWrite.of(TestStores.text("b", 500)));
            long beforeC = store.stats().contentBytes();
            store.put("c", MemoryWrite.of(TestStores.text("c", 500)));
            store.put("b", MemoryWrite.of(TestStores.text("b2", 500)));
            cutAt = beforeC + 100; // inside c's record
        }
        byte[] whole = Files.readAllBytes(dir.resolve(ContentLog.FILE_NAME));
        damage().crashed().cutContentLogAt(cutAt);
        Map<String, byte[]> before = DamagedFileOpenTests.contents(dir);

        assertThatThrownBy(() -> TestStores.open(dir))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining(dir.resolve(ContentLog.FILE_NAME).toString())
                .hasMessageContaining("cut short")
                .hasMessageContaining("nothing was changed");
        DamagedFileOpenTests.assertUnchanged(dir, before);

        Files.write(dir.resolve(ContentLog.FILE_NAME), whole);
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().discarded()).as("%s", store.recovery()).isZero();
            assertThat(store.get("a").orElseThrow().content()).isEqualTo(TestStores.text("a", 500));
            assertThat(store.get("b").orElseThrow().content()).isEqualTo(TestStores.text("b2", 500));
            assertThat(store.get("c").orElseThrow().content()).isEqualTo(TestStores.text("c", 500));
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void aRecordWithADamagedChecksumIsDiscardedAndTheVouchedRecordsAfterItSurvive() throws Exception {
        long offsetOfB;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", MemoryWrite.of("alpha"));
            offsetOfB = store.stats().contentBytes();
            store.put("b", MemoryWrite.of("bravo"));
            store.put("c", MemoryWrite.of("charlie"));
        }
        damage().crashed().flipContentByte(offsetOfB + ContentRecordLayout.ID_OFFSET + 2);
        try (MemoryStore store = TestStores.open(dir)) {
            RecoveryReport recovery = store.recovery();
            assertThat(recovery.contentBytesBridged()).isEqualTo(ContentRecordLayout.recordLength(1, 5));
            assertThat(recovery.contentBytesTruncated()).isZero();
            assertThat(recovery.invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(store.get("a")).isPresent();
            assertThat(store.get("b")).isEmpty();
            // c was acknowledged after b; its slot vouches for its record, which is whole.
            assertThat(store.get("c").orElseThrow().content()).isEqualTo("charlie");
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void withNoVouchedRecordAfterIt_theLogIsTruncatedAtTheFirstInvalidRecord() throws Exception {
        long offsetOfB;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", MemoryWrite.of("alpha"));
            offsetOfB = store.stats().contentBytes();
            store.put("b", MemoryWrite.of("bravo"));
        }
        damage().crashed().flipContentByte(offsetOfB + ContentRecordLayout.ID_OFFSET + 2);
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().contentBytesTruncated()).isGreaterThan(0);
            assertThat(store.recovery().contentBytesBridged()).isZero();
            assertThat(store.stats().contentBytes()).isEqualTo(offsetOfB);
            assertThat(store.get("a")).isPresent();
            assertThat(store.get("b")).isEmpty();
        }
    }

    @Test
    void aReservationWhoseWriterDiedBecomesPaddingAndLaterRecordsSurvive() throws Exception {
        long reservedAt;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", MemoryWrite.of("alpha"));
            reservedAt = store.stats().contentBytes();
            store.put("b", MemoryWrite.of("bravo-xx"));
            store.put("c", MemoryWrite.of("charlie"));
        }
        // Make b's record look like a reservation whose writer died before committing: length
        // present, state still zero. c, appended after it, was acknowledged and must survive.
        damage().crashed().writeContentBytes(reservedAt + ContentRecordLayout.STATE_OFFSET, DamagedFiles.littleEndianInt(0));
        try (MemoryStore store = TestStores.open(dir)) {
            RecoveryReport recovery = store.recovery();
            assertThat(recovery.abandonedRecords()).isEqualTo(1);
            assertThat(recovery.contentBytesTruncated()).isZero();
            assertThat(recovery.invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(store.get("b")).isEmpty();
            assertThat(store.get("c").orElseThrow().content()).isEqualTo("charlie");
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void tombstonesSurviveARestartWithoutTheCleanMark() throws Exception {
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("gone", MemoryWrite.of("x"));
            store.put("kept", MemoryWrite.of("y"));
            store.delete("gone");
        }
        damage().crashed();
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().tombstones()).isEqualTo(1);
            assertThat(store.get("gone")).isEmpty();
            assertThat(store.get("kept")).isPresent();
            assertThat(store.putIfAbsent("gone", MemoryWrite.of("z")).status()).isEqualTo(PutResult.Status.CREATED);
        }
    }

    @Test
    void anAbandonedSlotIsNeitherLiveNorAViolationAfterRestart() throws Exception {
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("k", MemoryWrite.of("v1"));
            long slot = store.stats().slotsAllocated();
            // Simulate a writer that claimed a slot, wrote its payload and gave up.
            store.put("tmp", MemoryWrite.of("t"));
            assertThat(slot).isEqualTo(1);
        }
        damage().crashed().writeSlotBytes(1, SlotLayout.STATE_OFFSET, DamagedFiles.littleEndianInt(SlotLayout.STATE_ABANDONED));
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().abandonedSlots()).isEqualTo(1);
            assertThat(store.get("tmp")).isEmpty();
            assertThat(store.get("k")).isPresent();
            assertThat(store.stats().slotsAllocated()).isEqualTo(2);
            assertThat(store.check().violations()).isZero();
        }
    }
}
