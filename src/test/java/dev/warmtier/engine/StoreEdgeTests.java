package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behaviour at the edges of a store's operations: where a page of a scan stops, which clean-shutdown
 * snapshots are trusted, a slot claim that others overtook, the room kept for deletes on a full
 * disk, and slots whose kind is neither a memory nor a tombstone.
 */
class StoreEdgeTests {

    @TempDir
    Path dir;

    // ---- scan pages ------------------------------------------------------------------------

    @Test
    void aPageStopsAtItsLimitOrBeforeTheRecordThatWouldPassItsByteBound() {
        try (MemoryStore store = TestStores.open(dir)) {
            for (String id : List.of("a", "b", "c")) {
                store.put(id, TestStores.write("same size", 1));
            }
            long record = store.stats().liveContentBytes() / 3;

            assertThat(ids(store.scan(null, 1, Long.MAX_VALUE, false))).containsExactly("a");
            assertThat(store.scan(null, 1, Long.MAX_VALUE, false).more()).isTrue();
            assertThat(ids(store.scan(null, 3, Long.MAX_VALUE, false))).containsExactly("a", "b", "c");
            assertThat(store.scan(null, 3, Long.MAX_VALUE, false).more()).isFalse();

            assertThat(ids(store.scan(null, 10, 2 * record, false))).as("two records fit exactly")
                    .containsExactly("a", "b");
            assertThat(store.scan(null, 10, 2 * record, false).more()).isTrue();
            assertThat(ids(store.scan(null, 10, 2 * record - 1, false))).containsExactly("a");
            assertThat(ids(store.scan(null, 10, 0, false))).as("a page always holds one").containsExactly("a");
            assertThat(ids(store.scan("a", 10, 2 * record, false))).containsExactly("b", "c");
            assertThatThrownBy(() -> store.scan(null, 0, false)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static List<String> ids(ScanPage page) {
        return page.memories().stream().map(StoredMemory::id).toList();
    }

    // ---- clean-shutdown snapshots ------------------------------------------------------------

    @Test
    void aCleanStartCountsLiveMemoriesAndTombstonesFromTheSnapshot() {
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", TestStores.write("a", 1));
            store.put("b", TestStores.write("b", 2));
            store.put("c", TestStores.write("c", 3));
            store.delete("b");
        }
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().cleanStart()).isTrue();
            assertThat(store.recovery().liveMemories()).isEqualTo(2);
            assertThat(store.recovery().tombstones()).isEqualTo(1);
        }
    }

    @Test
    void aSnapshotWithAnEntryAtOrPastItsNextSlotIsNotTrustedAndNothingOfItIsKept() throws IOException {
        long nextSlot;
        long lastVersion;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", TestStores.write("a", 1));
            store.put("b", TestStores.write("b", 2));
            nextSlot = store.stats().slotsAllocated();
            lastVersion = store.version("b");
        }
        // A forged snapshot whose first entry claims a newer version of "a" in b's slot; its second
        // entry points at the next free slot, so the snapshot must be refused as a whole.
        List<Map.Entry<String, IndexEntry>> entries = new ArrayList<>();
        entries.add(Map.entry("a", new IndexEntry(1, lastVersion, false, 32)));
        entries.add(Map.entry("b", new IndexEntry(nextSlot, lastVersion, false, 32)));
        writeSnapshot(nextSlot, lastVersion, entries);

        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().cleanStart()).isFalse();
            assertThat(store.get("a").orElseThrow().content()).isEqualTo("a");
            assertThat(store.get("b").orElseThrow().content()).isEqualTo("b");
            assertThat(store.check().violations()).isZero();
        }
    }

    private void writeSnapshot(long nextSlot, long lastVersion, List<Map.Entry<String, IndexEntry>> entries)
            throws IOException {
        // The content tail: two records, as laid out by the two puts above.
        long tail = 2L * ContentRecordLayout.recordLength(1, 1);
        CleanShutdown.write(dir, new CleanShutdown.Snapshot(TestStores.DIMENSION,
                SlotLayout.slotSize(TestStores.DIMENSION), nextSlot, tail, lastVersion,
                CleanShutdown.stamps(dir.resolve(SlotFile.FILE_NAME), dir.resolve(ContentLog.FILE_NAME)), entries),
                Forcer.MSYNC);
    }

    // ---- slot claims ---------------------------------------------------------------------------

    @Test
    void aClaimThatOtherWritersOvertookGrowsTheFileAndClaimsAgain() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean holdNext = new AtomicBoolean();
        StoreOptions options = TestStores.small().withAllocator(next -> new SlotAllocator() {
            private final AtomicSlotAllocator delegate = new AtomicSlotAllocator(next);

            @Override
            public long claim(long limit) {
                // The writer computed its limit from the capacity before others took the room.
                if (holdNext.compareAndSet(true, false)) {
                    held.countDown();
                    Latches.await(go);
                }
                return delegate.claim(limit);
            }

            @Override
            public long next() {
                return delegate.next();
            }
        });
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            store.put("first", TestStores.write("first", 0));
            holdNext.set(true);
            CompletableFuture<PutResult> overtaken = CompletableFuture.supplyAsync(
                    () -> store.put("overtaken", TestStores.write("overtaken", 1)));
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
            long capacityWhenHeld = store.stats().slotCapacity();
            for (int i = 0; i < capacityWhenHeld; i++) {
                store.put("other" + i, TestStores.write("other", i));
            }
            go.countDown();
            PutResult result = overtaken.get(30, TimeUnit.SECONDS);

            assertThat(result.status()).isEqualTo(PutResult.Status.CREATED);
            assertThat(result.memory().slot()).as("claimed past the room the others took")
                    .isGreaterThanOrEqualTo(capacityWhenHeld - SlotAppender.DELETE_HEADROOM)
                    .isLessThan(store.stats().slotCapacity());
            assertThat(store.get("overtaken").orElseThrow().content()).isEqualTo("overtaken");
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void afterTheLastWriteAFullDiskAllowsStillSixteenDeletes() {
        AtomicBoolean diskFull = new AtomicBoolean();
        FileExtender extender = (channel, from, to) -> {
            if (diskFull.get()) {
                throw new IOException("No space left on device");
            }
            FileExtender.ZERO_FILL.extend(channel, from, to);
        };
        // Records of exactly 1 KiB: 128 of them would fill a 128 KiB chunk to its last byte.
        String content = TestStores.text("c", 1000);
        assertThat(ContentRecordLayout.recordLength(4, 1000)).isEqualTo(1024);
        // Slot chunks large enough that only the content log ever needs to grow here.
        StoreOptions options = TestStores.small().withChunks(ChunkSeries.fixed(4096), ChunkSeries.fixed(128 * 1024));
        try (MemoryStore store = MemoryStore.open(dir, options, extender, Clock.systemUTC())) {
            List<String> written = new ArrayList<>();
            int i = 0;
            while (store.stats().contentBytes() < 100 * 1024) {
                String id = String.format("k%03d", i++);
                store.put(id, TestStores.write(content, i));
                written.add(id);
            }
            diskFull.set(true);
            while (true) {
                String id = String.format("k%03d", i++);
                try {
                    store.put(id, TestStores.write(content, i));
                    written.add(id);
                } catch (InsufficientStorageException e) {
                    break;
                }
            }
            for (int d = 0; d < SlotAppender.DELETE_HEADROOM; d++) {
                assertThat(store.delete(written.get(d)).status()).as("delete %d on a full disk", d)
                        .isEqualTo(DeleteResult.Status.DELETED);
            }
            assertThat(store.check().violations()).isZero();
        }
    }

    // ---- recovery past one batch of vouched records --------------------------------------------

    @Test
    void aHoleIsBridgedWhenMoreRecordsAreVouchedForThanOneBatchHolds() throws IOException {
        int count = StoreLoader.VOUCHED_BATCH + 100;
        int length = ContentRecordLayout.recordLength(6, 1);
        StoreOptions options = TestStores.small()
                .withChunks(ChunkSeries.fixed(32 * 1024), ChunkSeries.fixed(1024 * 1024));
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int i = 0; i < count; i++) {
                store.put(String.format("k%05d", i), MemoryWrite.of("v"));
            }
            assertThat(store.stats().contentBytes()).as("records laid end to end").isEqualTo((long) count * length);
        }
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));
        new DamagedFiles(dir, TestStores.DIMENSION).writeContentBytes(10L * length, new byte[8]);

        try (MemoryStore store = MemoryStore.open(dir, options)) {
            RecoveryReport report = store.recovery();
            assertThat(report.contentBytesBridged()).as("%s", report).isEqualTo(length);
            assertThat(report.contentBytesTruncated()).isZero();
            assertThat(report.invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(report.liveMemories()).isEqualTo(count - 1);
            assertThat(store.get("k00010")).isEmpty();
            for (int i : new int[] {9, 11, StoreLoader.VOUCHED_BATCH, count - 1}) {
                assertThat(store.get(String.format("k%05d", i))).as("k%05d", i).isPresent();
            }
        }
    }

    // ---- slot kinds ----------------------------------------------------------------------------

    @Test
    void aCommittedSlotOfAnUnknownKindIsDiscardedAndMakesNoMemory() throws IOException {
        long slot;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", TestStores.write("a", 1));
            slot = store.put("b", TestStores.write("b", 2)).memory().slot();
        }
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));
        new DamagedFiles(dir, TestStores.DIMENSION).rewriteSlot(slot, b -> b.putInt(SlotLayout.KIND_OFFSET, 7));
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(store.recovery().liveMemories()).isEqualTo(1);
            assertThat(store.stats().slotsLive()).isEqualTo(1);
            assertThat(store.scan(null, 10, false)).extracting(StoredMemory::id).containsExactly("a");
        }
    }
}
