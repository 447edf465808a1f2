package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction in one process: what it keeps, what it leaves behind, how writes made while it copies
 * and while it switches reach the new generation, and how it refuses or gives up without changing
 * anything. The kill -9 cases are {@link CompactionKillTests}.
 */
class CompactionTests {

    @TempDir
    Path dir;

    /** 60 ids, each written three times; every other one deleted: 30 live, 210 slots used. */
    private static void churn(MemoryStore store) {
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 60; i++) {
                store.put("id-" + i, TestStores.write(TestStores.text("id-" + i + "/" + round, 50 + i * 7), i + round));
            }
        }
        for (int i = 0; i < 60; i += 2) {
            store.delete("id-" + i);
        }
    }

    /** Every live memory, by id, without its slot (which compaction changes on purpose). */
    private static Map<String, String> contents(MemoryStore store) {
        Map<String, String> all = new TreeMap<>();
        for (StoredMemory m : store.scan(null, 10_000, true)) {
            all.put(m.id(), describe(m));
        }
        return all;
    }

    private static String describe(StoredMemory m) {
        return m.content() + "|" + java.util.Arrays.toString(m.embedding()) + "|" + m.confidence() + "|"
                + m.activation() + "|" + m.decayRate() + "|" + m.createdAt() + "|" + m.updatedAt() + "|v" + m.version();
    }

    private List<Long> generationsOnDisk() throws IOException {
        List<Long> found = new ArrayList<>();
        if (Files.exists(dir.resolve(SlotFile.FILE_NAME))) {
            found.add(0L);
        }
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("gen-"))
                    .map(name -> Long.parseLong(name.substring(4))).sorted().forEach(found::add);
        }
        return found;
    }

    @Test
    void compactionKeepsEachLiveMemoryAsItWasAndLeavesReplacedAndDeletedOnesBehind() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            Map<String, String> before = contents(store);
            long abandonedBefore = store.stats().abandonedWrites();

            CompactionReport report = store.compact();

            assertThat(contents(store)).isEqualTo(before);
            assertThat(before).hasSize(30);
            assertThat(report.generation()).isEqualTo(1);
            assertThat(report.slotsBefore()).isEqualTo(210);
            assertThat(report.slotsAfter()).as("one slot per live memory").isEqualTo(30);
            assertThat(report.liveMemories()).isEqualTo(30);
            assertThat(report.bytesAfter()).isLessThan(report.bytesBefore());
            assertThat(store.stats().slotsAllocated()).isEqualTo(30);
            assertThat(store.stats().abandonedWrites()).isEqualTo(abandonedBefore);
            for (int i = 0; i < 60; i += 2) {
                assertThat(store.get("id-" + i)).as("deleted id-%d", i).isEmpty();
                assertThat(store.version("id-" + i)).isZero();
            }
            assertThat(store.check().violations()).isZero();
            assertThat(generationsOnDisk()).containsExactly(1L);
            assertThat(store.lastCompaction()).contains(report);
            assertThat(report.oldFilesLeft()).isFalse();
            assertThat(store.unflushedChunks()).as("the new generation was forced whole").isZero();
            assertThat(report.bytesAfter()).isEqualTo(store.dataFileBytes());
            assertThat(report.tookMillis()).isBetween(0L, 60_000L);
            assertThat(report.pausedMicros()).isBetween(0L, report.tookMillis() * 1000 + 1000);
            CompactionStats stats = store.compactionStats();
            assertThat(stats.runs()).isEqualTo(1);
            assertThat(stats.failures()).isZero();
            assertThat(stats.bytesReclaimed()).isEqualTo(report.bytesBefore() - report.bytesAfter()).isPositive();
            assertThat(stats.totalMillis()).isEqualTo(report.tookMillis());
            assertThat(stats.running()).isFalse();
            assertThat(store.copyingInto()).as("writers no longer copy").isNull();
        }
    }

    @Test
    void aCompactionGoesThroughItsPhasesInOrder() {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            List<Compactor.Phase> phases = new ArrayList<>();
            store.compact(phases::add);
            assertThat(phases).containsExactly(Compactor.Phase.STARTED, Compactor.Phase.COPYING,
                    Compactor.Phase.COPIED, Compactor.Phase.PAUSED, Compactor.Phase.BEFORE_SWITCH,
                    Compactor.Phase.SWITCHED, Compactor.Phase.RESUMED, Compactor.Phase.CLEANING_UP);
        }
    }

    /**
     * What the switch forces, in order: the whole new generation and its directory, then
     * CURRENT.tmp, then the rename (the store directory); the old generation is deleted after.
     */
    @Test
    void theSwitchForcesTheNewGenerationAndItsNameBeforeTheRenameAndDeletesTheOldOneAfter() {
        RecordingForcer forcer = new RecordingForcer();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing().withForcer(forcer))) {
            churn(store);
            store.flush();
            forcer.clear();
            List<List<String>> atSwitch = new ArrayList<>();
            store.compact(phase -> {
                if (phase == Compactor.Phase.BEFORE_SWITCH || phase == Compactor.Phase.RESUMED) {
                    forcer.mark(phase.name());
                }
            });
            List<String> timeline = forcer.timeline();
            String storeDir = dir.getFileName().toString();
            int beforeSwitch = timeline.indexOf("BEFORE_SWITCH");
            List<String> before = timeline.subList(0, beforeSwitch);
            assertThat(before).as("%s", timeline).contains("fsync dir gen-1", "fsync CURRENT.tmp");
            assertThat(before.stream().filter(f -> f.startsWith("slots.dat["))).as("the new slots forced whole")
                    .isNotEmpty();
            assertThat(before.stream().filter(f -> f.startsWith("content.log["))).as("the new records forced")
                    .isNotEmpty();
            assertThat(before.indexOf("fsync CURRENT.tmp")).isGreaterThan(before.lastIndexOf("fsync dir gen-1"));
            int lastRange = Math.max(before.lastIndexOf(before.stream().filter(f -> f.startsWith("slots.dat["))
                    .reduce((x, y) -> y).orElseThrow()), before.lastIndexOf(before.stream()
                    .filter(f -> f.startsWith("content.log[")).reduce((x, y) -> y).orElseThrow()));
            assertThat(before.lastIndexOf("fsync dir gen-1")).as("the directory forced after the copy: %s", timeline)
                    .isGreaterThan(lastRange);
            List<String> after = timeline.subList(beforeSwitch, timeline.size());
            assertThat(after).as("the rename, then the deletion of generation 0, each forced: %s", timeline)
                    .containsSubsequence("BEFORE_SWITCH", "fsync dir " + storeDir, "RESUMED", "fsync dir " + storeDir);
        }
    }

    /**
     * The new generation is sized to what it holds: its first chunks hold the live memories, an
     * eighth more and the room every write keeps for deletes, so it is about the size of the live
     * data (within the configured largest chunk).
     */
    @Test
    void theNewGenerationsFirstChunksHoldTheLiveDataAndAnEighthMore() {
        StoreOptions roomy = TestStores.growing().withChunks(new ChunkSeries(4, 10), new ChunkSeries(16 * 1024, 10));
        try (MemoryStore store = MemoryStore.open(dir, roomy)) {
            for (int i = 0; i < 200; i++) {
                store.put("m" + i, TestStores.write(TestStores.text("m" + i, 1000), i));
                store.put("m" + i, TestStores.write(TestStores.text("m" + i + "'", 1000), i));
            }
            long liveBytes = store.stats().liveContentBytes();
            store.compact();
            long slots = 200 + 200 / 8 + SlotAppender.DELETE_HEADROOM + 1;
            assertThat(store.stats().slotCapacity()).as("one chunk of the live slots, an eighth and the headroom")
                    .isEqualTo(slots);
            long headroom = SlotAppender.DELETE_HEADROOM
                    * (long) ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, 0);
            long content = (liveBytes + liveBytes / 8 + headroom + 4095) / 4096 * 4096;
            assertThat(store.dataFileBytes()).isEqualTo(SlotLayout.HEADER_BYTES + slots * SlotLayout.slotSize(
                    TestStores.DIMENSION) + ContentRecordLayout.HEADER_BYTES + content);
            // Writes go on into the room left, without growing.
            long growths = store.stats().growthEvents();
            for (int i = 0; i < slots - 200 - SlotAppender.DELETE_HEADROOM; i++) {
                store.put("n" + i, TestStores.write("n", i));
            }
            assertThat(store.stats().growthEvents()).isEqualTo(growths);
        }
    }

    /**
     * The room check asks for what the copy takes, no less (the compaction then never runs out of
     * room halfway on a disk that has what it asked for) and not much more.
     */
    @Test
    void theRoomACompactionAsksForIsEnoughAndNotMuchMore() throws IOException {
        StoreOptions roomy = TestStores.growing().withChunks(new ChunkSeries(4, 10), new ChunkSeries(16 * 1024, 10));
        DiskFullRetryTests.BudgetDisk disk = new DiskFullRetryTests.BudgetDisk();
        try (MemoryStore store = MemoryStore.open(dir, roomy, disk, Clock.systemUTC())) {
            for (int i = 0; i < 300; i++) {
                store.put("m" + i, TestStores.write(TestStores.text("m" + i, 700), i));
                store.put("m" + i, TestStores.write(TestStores.text("m" + i + "'", 700), i));
            }
            disk.free.set(0);
            String refusal = org.assertj.core.api.Assertions.catchThrowable(store::compact).getMessage();
            long asked = Long.parseLong(refusal.replaceAll(".* needs (\\d+) bytes free.*", "$1"));
            disk.free.set(asked - 1);
            assertThatThrownBy(store::compact).as("one byte short").isInstanceOf(InsufficientStorageException.class);
            assertThat(generationsOnDisk()).containsExactly(0L);
            disk.free.set(asked);
            CompactionReport report = store.compact();
            long used = asked - disk.free.get();
            assertThat(used).as("bytes the copy took of the %d it asked for", asked).isPositive()
                    .isGreaterThanOrEqualTo(asked * 4 / 5);
            assertThat(report.bytesAfter()).isLessThanOrEqualTo(asked);
            assertThat(store.compactionStats().failures()).isEqualTo(2);
        }
    }

    /**
     * Writers copy their ids while the compactor walks the index: ids a writer copied first are
     * found level by the walk and kept.
     */
    @Test
    void idsThatWritersCopiedBeforeTheWalkReachedThemAreKept() {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            for (int i = 0; i < 4 * Compactor.BATCH; i++) {
                store.put("m" + i, TestStores.write("first", i));
            }
            AtomicInteger batches = new AtomicInteger();
            CompactionReport report = store.compact(phase -> {
                if (phase == Compactor.Phase.COPYING && batches.getAndIncrement() == 0) {
                    for (int i = 0; i < 4 * Compactor.BATCH; i++) {
                        store.put("m" + i, TestStores.write("second", i));
                    }
                }
            });
            assertThat(report.liveMemories()).isEqualTo(4 * Compactor.BATCH);
            assertThat(report.copiedAgain()).as("only the first batch, copied before its writers, was copied again")
                    .isEqualTo(Compactor.BATCH);
            for (int i = 0; i < 4 * Compactor.BATCH; i++) {
                assertThat(store.get("m" + i).orElseThrow().content()).isEqualTo("second");
            }
            assertThat(store.check().violations()).isZero();
        }
    }

    /** In interval and none mode a flush during a compaction also forces what writers copied into it. */
    @Test
    void aFlushDuringACompactionForcesTheCopies() {
        RecordingForcer forcer = new RecordingForcer();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing().withForcer(forcer))) {
            churn(store);
            store.flush();
            List<List<String>> flushed = new ArrayList<>();
            store.compact(phase -> {
                if (phase == Compactor.Phase.COPIED) {
                    forcer.clear();
                    store.flush(); // the old generation is clean; only the copies are dirty
                    flushed.add(forcer.timeline());
                }
            });
            assertThat(flushed.get(0)).as("ranges of the new generation forced by the flush").isNotEmpty();
        }
    }

    /**
     * A write whose per-key step applied is visible at once, even when the force after it fails (its
     * caller gets the failure): a compaction must hear of it too, or the switch would bring back
     * the version before it.
     */
    @Test
    void aWriteThatAppliedButFailedItsForceIsStillCopied() {
        // Armed, it fails the next force of a slot: the write's own, in its old generation (the copy's comes after).
        AtomicBoolean failSlotForces = new AtomicBoolean();
        Forcer failing = (file, chunkStart, chunk, offset, length) -> {
            if (file.getFileName().toString().equals(SlotFile.FILE_NAME) && failSlotForces.compareAndSet(true, false)) {
                throw new UncheckedIOException(new IOException("injected: the disk failed the force"));
            }
            Forcer.MSYNC.force(file, chunkStart, chunk, offset, length);
        };
        StoreOptions options = TestStores.growing().withDurability(Durability.ALWAYS, Duration.ofMillis(100))
                .withForcer(failing);
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            churn(store);
            store.compact(phase -> {
                if (phase == Compactor.Phase.COPIED) {
                    failSlotForces.set(true);
                    assertThatThrownBy(() -> store.put("id-1", TestStores.write("applied, not forced", 1)))
                            .hasRootCauseMessage("injected: the disk failed the force");
                    failSlotForces.set(true);
                    assertThatThrownBy(() -> store.delete("id-3")).hasRootCauseMessage("injected: the disk failed the force");
                }
            });
            assertThat(store.get("id-1").orElseThrow().content()).isEqualTo("applied, not forced");
            assertThat(store.get("id-3")).isEmpty();
        }
    }

    /**
     * The room a compaction asks for, exactly: the slots of the new generation's chunks that hold
     * the live memories, an eighth more and the delete headroom, and the content chunks that hold
     * the live records, an eighth more and the headroom of 16 largest tombstone records, with both
     * headers.
     */
    @Test
    void theRoomAskedForIsTheLiveDataAndAnEighthInWholeChunks() {
        StoreOptions roomy = TestStores.growing().withChunks(new ChunkSeries(4, 4), new ChunkSeries(16 * 1024, 4));
        DiskFullRetryTests.BudgetDisk disk = new DiskFullRetryTests.BudgetDisk();
        try (MemoryStore store = MemoryStore.open(dir, roomy, disk, Clock.systemUTC())) {
            for (int i = 0; i < 150; i++) {
                store.put("m" + i, TestStores.write(TestStores.text("m" + i, 900), i));
            }
            long live = store.stats().slotsLive();
            long liveBytes = store.stats().liveContentBytes();
            disk.free.set(0);
            String refusal = org.assertj.core.api.Assertions.catchThrowable(store::compact).getMessage();
            long asked = Long.parseLong(refusal.replaceAll(".* needs (\\d+) bytes free.*", "$1"));
            // Slot chunks of 4 doubling to 64 slots: 150 + 18 + 17 slots take three chunks of the largest.
            ChunkSeries slotChunks = new ChunkSeries(64, 0);
            long slots = live + live / 8 + SlotAppender.DELETE_HEADROOM + 1;
            long slotBytes = slotChunks.capacity(slotChunks.index(slots - 1) + 1) * SlotLayout.slotSize(TestStores.DIMENSION);
            // Content chunks of 16 KiB doubling to 256 KiB: the records and an eighth fit one first chunk
            // of that size, rounded to pages.
            long content = liveBytes + liveBytes / 8 + SlotAppender.DELETE_HEADROOM
                    * (long) ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, 0);
            assertThat(content).isLessThan(256 * 1024);
            long contentBytes = (content + 4095) / 4096 * 4096;
            assertThat(asked).isEqualTo(SlotLayout.HEADER_BYTES + slotBytes + ContentRecordLayout.HEADER_BYTES
                    + contentBytes);
        }
    }

    /**
     * Content chunks reach at least the old log's largest: a log made with a larger content limit
     * (and larger chunks) compacts under a smaller one, its large records intact.
     */
    @Test
    void aLogWithRecordsLargerThanTodaysLimitCompactsWhole() {
        String large = TestStores.text("large", 60 * 1024);
        try (MemoryStore store = MemoryStore.open(dir, TestStores.small())) {
            store.put("large", TestStores.write(large, 1));
            store.put("large", TestStores.write(large + "!", 2));
        }
        StoreOptions smaller = TestStores.small().withMaxContentBytes(1024).withChunks(TestStores.SMALL_SLOT_CHUNK,
                (int) ContentRecordLayout.alignedChunkFor(1024) * 2);
        try (MemoryStore store = MemoryStore.open(dir, smaller)) {
            store.compact();
            assertThat(store.get("large").orElseThrow().content()).isEqualTo(large + "!");
        }
        try (MemoryStore store = MemoryStore.open(dir, smaller)) {
            assertThat(store.get("large").orElseThrow().content()).isEqualTo(large + "!");
            assertThat(store.check().violations()).isZero();
        }
    }

    /** A live slot that fails its checksum is not copied: the compaction stops, the old generation stays. */
    @Test
    void aCompactionRefusesToCopyADamagedSlot() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            long slot = store.get("id-1").orElseThrow().slot();
            new DamagedFiles(dir, TestStores.DIMENSION).flipSlotByte(slot, SlotLayout.EMBEDDING_OFFSET);
            assertThatThrownBy(store::compact).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("compaction: slot " + slot);
            assertThat(generationsOnDisk()).containsExactly(0L);
            assertThat(store.copyingInto()).isNull();
        }
    }

    /** A writer whose copy fails (its write succeeded) makes the compaction refuse to switch. */
    @Test
    void aWritersFailedCopyStopsTheCompactionAndTheOldGenerationStays() throws IOException {
        AtomicInteger slotForces = new AtomicInteger(-1);
        // Armed at 0, it fails the second slot force after: the writer's copy (its own slot's comes first).
        Forcer failing = (file, chunkStart, chunk, offset, length) -> {
            if (file.getFileName().toString().equals(SlotFile.FILE_NAME) && slotForces.get() >= 0
                    && slotForces.incrementAndGet() == 2) {
                throw new UncheckedIOException(new IOException("injected: the copy's force failed"));
            }
            Forcer.MSYNC.force(file, chunkStart, chunk, offset, length);
        };
        StoreOptions options = TestStores.growing().withDurability(Durability.ALWAYS, Duration.ofMillis(100))
                .withForcer(failing);
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            churn(store);
            assertThatThrownBy(() -> store.compact(phase -> {
                if (phase == Compactor.Phase.COPIED) {
                    slotForces.set(0);
                    store.put("id-1", TestStores.write("written, not copied", 1));
                }
            })).isInstanceOf(IllegalStateException.class).hasMessageContaining("could not copy");
            assertThat(generationsOnDisk()).containsExactly(0L);
            assertThat(store.get("id-1").orElseThrow().content()).isEqualTo("written, not copied");
            assertThat(store.compactionStats().failures()).isEqualTo(1);
        }
    }

    /** A forcer whose directory forces of the store directory fail while {@code failures} is positive, counting down. */
    private Forcer failingStoreDirectoryForces(AtomicInteger failures, AtomicInteger storeDirectoryForces) {
        return new Forcer() {
            @Override
            public void force(Path file, long chunkStart, MappedByteBuffer chunk, int offset, int length) {
                Forcer.MSYNC.force(file, chunkStart, chunk, offset, length);
            }

            @Override
            public void forceDirectory(Path at) throws IOException {
                if (at.toAbsolutePath().equals(dir.toAbsolutePath())) {
                    storeDirectoryForces.incrementAndGet();
                    if (failures.getAndDecrement() > 0) {
                        throw new IOException("injected: the directory force failed");
                    }
                }
                Forcer.MSYNC.forceDirectory(at);
            }
        };
    }

    /**
     * The directory force after the rename fails once: CURRENT on disk already names the new
     * generation, so the switch goes on, forcing the directory again.
     */
    @Test
    void aDirectoryForceThatFailsOnceAfterTheRenameIsRetriedAndTheSwitchGoesOn() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger forces = new AtomicInteger();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing().withForcer(
                failingStoreDirectoryForces(failures, forces)))) {
            churn(store);
            Map<String, String> before = contents(store);
            List<Integer> forcesAtSwitch = new ArrayList<>();
            CompactionReport report = store.compact(phase -> {
                if (phase == Compactor.Phase.BEFORE_SWITCH) {
                    failures.set(1);
                    forces.set(0);
                }
                if (phase == Compactor.Phase.SWITCHED) {
                    forcesAtSwitch.add(forces.get());
                }
            });
            assertThat(forcesAtSwitch).as("the failed force after the rename, and the one that followed").containsExactly(2);
            assertThat(report.generation()).isEqualTo(1);
            assertThat(contents(store)).isEqualTo(before);
            store.put("after", TestStores.write("after", 1));
        }
    }

    /**
     * When the directory cannot be forced after the rename, the rename may not survive a power
     * loss: the store stops serving (neither generation is written any more) and the next open decides.
     */
    @Test
    void aDirectoryThatCannotBeForcedAfterTheRenameStopsTheStore() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger forces = new AtomicInteger();
        MemoryStore store = MemoryStore.open(dir, TestStores.growing().withForcer(
                failingStoreDirectoryForces(failures, forces)));
        churn(store);
        Map<String, String> before = contents(store);
        assertThatThrownBy(() -> store.compact(phase -> {
            if (phase == Compactor.Phase.BEFORE_SWITCH) {
                failures.set(2);
            }
        })).hasRootCauseMessage("injected: the directory force failed");
        assertThatThrownBy(() -> store.get("id-1")).isInstanceOf(StoreClosedException.class)
                .hasMessageContaining("cannot force its directory");
        assertThat(store.copyingInto()).isNull();
        failures.set(0);
        store.close();
        try (MemoryStore reopened = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(reopened.recovery().generation()).as("CURRENT named the new generation").isEqualTo(1);
            assertThat(contents(reopened)).isEqualTo(before);
        }
    }

    /** Old files that cannot be deleted durably change nothing a client sees; the report says so. */
    @Test
    void oldFilesThatCannotBeDeletedAreReported() {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger forces = new AtomicInteger();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing().withForcer(
                failingStoreDirectoryForces(failures, forces)))) {
            churn(store);
            CompactionReport report = store.compact(phase -> {
                if (phase == Compactor.Phase.CLEANING_UP) {
                    failures.set(1);
                }
            });
            assertThat(report.oldFilesLeft()).isTrue();
            assertThat(store.compactionStats().runs()).isEqualTo(1);
            assertThat(store.get("id-1")).isPresent();
        }
    }

    /**
     * The room asked for counts whole chunks: 156 live memories, an eighth (19) and the headroom (17)
     * fill three chunks of 64 slots exactly.
     */
    @Test
    void theRoomAskedForCountsTheLastChunkOnlyWhenItIsNeeded() {
        StoreOptions roomy = TestStores.growing().withChunks(new ChunkSeries(4, 4), new ChunkSeries(16 * 1024, 4));
        DiskFullRetryTests.BudgetDisk disk = new DiskFullRetryTests.BudgetDisk();
        try (MemoryStore store = MemoryStore.open(dir, roomy, disk, Clock.systemUTC())) {
            for (int i = 0; i < 156; i++) {
                store.put("m" + i, TestStores.write("m", i));
            }
            disk.free.set(0);
            String refusal = org.assertj.core.api.Assertions.catchThrowable(store::compact).getMessage();
            long asked = Long.parseLong(refusal.replaceAll(".* needs (\\d+) bytes free.*", "$1"));
            long slotBytes = asked - SlotLayout.HEADER_BYTES - ContentRecordLayout.HEADER_BYTES;
            long liveBytes = store.stats().liveContentBytes();
            long content = liveBytes + liveBytes / 8 + SlotAppender.DELETE_HEADROOM
                    * (long) ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, 0);
            long contentChunk = Math.max(16 * 1024, (content + 4095) / 4096 * 4096); // never below the first chunk
            assertThat(slotBytes - contentChunk).isEqualTo(192L * SlotLayout.slotSize(TestStores.DIMENSION));
        }
    }

    @Test
    void theGrowthCounterGoesOnAcrossASwitch() {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            long before = store.stats().growthEvents();
            assertThat(before).isPositive();
            store.compact();
            assertThat(store.stats().growthEvents()).isGreaterThanOrEqualTo(before);
        }
    }

    @Test
    void theCompactedStoreReopensTheSameAfterACleanCloseAndAfterACrash() throws IOException {
        Map<String, String> before;
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            store.compact();
            before = contents(store);
        }
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(store.recovery().cleanStart()).as("the clean mark names generation 1").isTrue();
            assertThat(contents(store)).isEqualTo(before);
            assertThat(store.check().violations()).isZero();
        }
        new DamagedFiles(dir, TestStores.DIMENSION).crashed();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(store.recovery().cleanStart()).isFalse();
            assertThat(store.recovery().committedSlots()).isEqualTo(30);
            assertThat(contents(store)).isEqualTo(before);
            for (int i = 0; i < 60; i += 2) {
                assertThat(store.get("id-" + i)).as("no delete comes back: id-%d", i).isEmpty();
            }
            assertThat(store.check().violations()).isZero();
            // Versions go on from above every version handed out before, across generations.
            assertThat(store.put("id-1", TestStores.write("after", 1)).memory().version())
                    .isGreaterThan(before.values().stream().mapToLong(d -> Long.parseLong(d.substring(d.lastIndexOf("|v") + 2))).max().orElseThrow());
        }
        assertThat(Generation.current(dir)).isEqualTo(1);
        assertThat(generationsOnDisk()).containsExactly(1L);
    }

    @Test
    void aSecondCompactionReplacesTheFirstGenerationAndDeletesIt() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            store.compact();
            churn(store);
            Map<String, String> before = contents(store);
            CompactionReport second = store.compact();
            assertThat(second.generation()).isEqualTo(2);
            assertThat(contents(store)).isEqualTo(before);
            assertThat(generationsOnDisk()).containsExactly(2L);
            assertThat(store.check().violations()).isZero();
        }
    }

    /**
     * CURRENT is written only after the generation it names was forced whole: one whose slot file
     * is gone was damaged from outside, and an open must not make it anew (and delete the others).
     */
    @Test
    void aCurrentNamingAGenerationWhoseFilesAreGoneIsRefusedAndNothingIsDeleted() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            store.compact();
        }
        Files.delete(dir.resolve("gen-1").resolve(SlotFile.FILE_NAME));
        assertThatThrownBy(() -> MemoryStore.open(dir, TestStores.growing()))
                .isInstanceOf(StoreFormatException.class).hasMessageContaining("names generation 1")
                .hasMessageContaining("nothing was changed");
        assertThat(dir.resolve("gen-1").resolve(ContentLog.FILE_NAME)).exists();
        assertThat(Generation.current(dir)).isEqualTo(1);
    }

    @Test
    void aDamagedCurrentIsRefused() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            store.compact();
        }
        byte[] current = Files.readAllBytes(dir.resolve(Generation.CURRENT_FILE));
        current[5] ^= 1;
        Files.write(dir.resolve(Generation.CURRENT_FILE), current);
        assertThatThrownBy(() -> MemoryStore.open(dir, TestStores.growing()))
                .isInstanceOf(StoreFormatException.class).hasMessageContaining("is damaged");
        assertThat(generationsOnDisk()).containsExactly(1L);
    }

    @Test
    void anEmptyStoreCompactsToAnEmptyGeneration() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            CompactionReport report = store.compact();
            assertThat(report.slotsAfter()).isZero();
            assertThat(store.stats().slotCapacity()).as("the first chunk is mapped, as at open").isPositive();
            assertThat(Files.size(dir.resolve("gen-1").resolve(ContentLog.FILE_NAME)))
                    .as("the content log's first chunk too").isGreaterThan(ContentRecordLayout.HEADER_BYTES);
            assertThat(store.unflushedChunks()).isZero();
            assertThat(store.put("a", TestStores.write("x", 1)).memory().slot()).isZero();
            assertThat(store.check().violations()).isZero();
        }
    }

    /**
     * Writes made while the compactor copies (it is called between batches, outside the gate, so
     * these run as any concurrent writer would): a new id, a replace and a delete of ids already
     * copied, a replace of a replace. Each must be in the new generation, in memory and on disk.
     */
    @Test
    void writesMadeDuringTheCopyAreCarriedIntoTheNewGeneration() throws IOException {
        Map<String, String> expected;
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            AtomicInteger copying = new AtomicInteger();
            CompactionReport report = store.compact(phase -> {
                if (phase == Compactor.Phase.COPYING && copying.getAndIncrement() == 0) {
                    store.put("new-during-copy", TestStores.write("new", 7));
                    store.put("id-1", TestStores.write("replaced during copy", 8));
                    store.delete("id-3");
                    store.put("id-5", TestStores.write("first", 9));
                    store.put("id-5", TestStores.write("second", 10));
                }
                if (phase == Compactor.Phase.COPIED) {
                    store.put("new-after-copy", TestStores.write("late", 11));
                    store.delete("id-7");
                    store.put("id-2", TestStores.write("deleted id back", 12));
                }
            });
            assertThat(report.copiedAgain()).as("copies made again or abandoned").isGreaterThanOrEqualTo(4);
            assertThat(store.get("new-during-copy").orElseThrow().content()).isEqualTo("new");
            assertThat(store.get("id-1").orElseThrow().content()).isEqualTo("replaced during copy");
            assertThat(store.get("id-3")).isEmpty();
            assertThat(store.get("id-5").orElseThrow().content()).isEqualTo("second");
            assertThat(store.get("new-after-copy").orElseThrow().content()).isEqualTo("late");
            assertThat(store.get("id-7")).isEmpty();
            assertThat(store.get("id-2").orElseThrow().content()).isEqualTo("deleted id back");
            assertThat(store.check().violations()).isZero();
            expected = contents(store);
        }
        new DamagedFiles(dir, TestStores.DIMENSION).crashed();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(contents(store)).isEqualTo(expected);
            assertThat(store.check().violations()).isZero();
        }
    }

    /**
     * An operation that arrives while the switch holds the gate waits, and lands in the new
     * generation once the gate reopens: it is still waiting when CURRENT has been renamed.
     */
    @Test
    void aWriteArrivingDuringTheSwitchWaitsForItAndLandsInTheNewGeneration() throws IOException {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            List<CompletableFuture<PutResult>> late = new ArrayList<>();
            CompactionReport report = store.compact(phase -> {
                if (phase == Compactor.Phase.PAUSED) {
                    late.add(CompletableFuture.supplyAsync(() -> store.put("late", TestStores.write("late", 1))));
                    await().atMost(Duration.ofSeconds(10)).until(() -> store.gate().paused());
                }
                if (phase == Compactor.Phase.SWITCHED) {
                    assertThat(late.get(0)).as("the write waits while the gate is paused").isNotDone();
                }
            });
            PutResult result = late.get(0).join();
            assertThat(result.memory().slot()).as("the first slot after the copies: the new generation's")
                    .isEqualTo(report.slotsAfter());
            assertThat(store.check().violations()).isZero();
        }
        new DamagedFiles(dir, TestStores.DIMENSION).crashed();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(store.get("late").orElseThrow().content()).isEqualTo("late");
        }
    }

    /**
     * In {@code always} mode a write made beside a compaction copies itself into the new
     * generation and forces that copy (record, slot, and the slot of the copy it replaces) before it
     * returns, as it forces its own record and slot: the switch then has nothing left to force.
     */
    @Test
    void inAlwaysModeAWriteBesideACompactionForcesItsCopyBeforeItReturns() {
        RecordingForcer forcer = new RecordingForcer();
        StoreOptions options = TestStores.growing().withDurability(Durability.ALWAYS, Duration.ofMillis(100))
                .withForcer(forcer);
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            churn(store);
            List<List<String>> during = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            store.compact(phase -> {
                if (phase == Compactor.Phase.COPIED) {
                    forcer.clear();
                    versions.add(store.put("id-1", TestStores.write("during", 1)).memory().version());
                    forcer.mark("put returned");
                    during.add(forcer.timeline());
                }
            });
            List<String> forced = during.get(0).subList(0, during.get(0).indexOf("put returned"));
            assertThat(forced).as("%s", during.get(0)).hasSize(5);
            assertThat(forced.stream().filter(f -> f.startsWith("content.log"))).as("%s", forced).hasSize(2);
            assertThat(forced.stream().filter(f -> f.startsWith("slots.dat"))).as("%s", forced).hasSize(3);
            // The last force is the new copy's slot: committed, at the put's version.
            RecordingForcer.Force copy = forcer.forces().get(4);
            assertThat(copy.buffer().getInt(SlotLayout.STATE_OFFSET)).isEqualTo(SlotLayout.STATE_COMMITTED);
            assertThat(copy.buffer().getLong(SlotLayout.VERSION_OFFSET)).isEqualTo(versions.get(0));
            assertThat(store.get("id-1").orElseThrow().content()).isEqualTo("during");
        }
    }

    @Test
    void aSecondCompactionWhileOneRunsIsRefusedAndTheFirstGoesOn() {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            churn(store);
            List<Throwable> refused = new ArrayList<>();
            CompactionReport report = store.compact(phase -> {
                if (phase == Compactor.Phase.COPIED) {
                    assertThat(store.compacting()).isTrue();
                    CompletableFuture<CompactionReport> second = CompletableFuture.supplyAsync(store::compact);
                    refused.add(second.handle((r, e) -> e).join());
                }
            });
            assertThat(refused).singleElement().satisfies(e ->
                    assertThat(e).hasRootCauseInstanceOf(CompactionRunningException.class)
                            .hasMessageContaining("running already"));
            assertThat(report.generation()).isEqualTo(1);
            assertThat(store.compacting()).isFalse();
        }
    }

    @Test
    void aCompactionWithoutRoomForTheCopyIsRefusedBeforeItWritesAnything() throws IOException {
        DiskFullRetryTests.BudgetDisk disk = new DiskFullRetryTests.BudgetDisk();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing(), disk, Clock.systemUTC())) {
            churn(store);
            Map<String, String> before = contents(store);
            disk.free.set(1024);
            assertThatThrownBy(store::compact).isInstanceOf(InsufficientStorageException.class)
                    .hasMessageContaining("needs").hasMessageContaining("nothing was changed");
            assertThat(disk.refusals).as("no growth was even tried").hasValue(0);
            assertThat(store.copyingInto()).isNull();
            assertThat(store.compactionStats().failures()).isEqualTo(1);
            assertThat(generationsOnDisk()).containsExactly(0L);
            assertThat(contents(store)).isEqualTo(before);
            disk.free.set(Long.MAX_VALUE);
            assertThat(store.compact().generation()).as("it compacts once there is room").isEqualTo(1);
        }
    }

    /** A disk that says it has room and then has none: the copy fails halfway, and nothing changes. */
    @Test
    void aCompactionThatRunsOutOfRoomHalfwayLeavesTheOldGenerationServing() throws IOException {
        DiskFullRetryTests.BudgetDisk lying = new DiskFullRetryTests.BudgetDisk() {
            @Override
            public long usableSpace(Path at) {
                return Long.MAX_VALUE;
            }
        };
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing(), lying, Clock.systemUTC())) {
            churn(store);
            Map<String, String> before = contents(store);
            lying.free.set(16 * 1024);
            assertThatThrownBy(store::compact).isInstanceOf(InsufficientStorageException.class);
            assertThat(generationsOnDisk()).as("the half-made generation is deleted").containsExactly(0L);
            assertThat(store.copyingInto()).as("writers no longer copy into it").isNull();
            assertThat(contents(store)).isEqualTo(before);
            lying.free.set(Long.MAX_VALUE);
            store.put("after", TestStores.write("after", 1));
            assertThat(store.check().violations()).isZero();
            assertThat(store.compact().generation()).isEqualTo(1);
        }
    }

    @Test
    void closingTheStoreDuringACompactionStopsItAndKeepsTheOldGeneration() throws IOException {
        MemoryStore store = MemoryStore.open(dir, TestStores.growing());
        churn(store);
        Map<String, String> before = contents(store);
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        assertThatThrownBy(() -> store.compact(phase -> {
            if (phase == Compactor.Phase.COPYING && closing.isEmpty()) {
                // Close waits for the compaction's file work; the compaction gives up at its next batch.
                closing.add(CompletableFuture.runAsync(store::close));
                await().atMost(Duration.ofSeconds(30)).until(() -> store.gate().closed());
            }
        })).isInstanceOf(StoreClosedException.class);
        closing.get(0).join();
        assertThat(generationsOnDisk()).as("what the compaction wrote is deleted before close returns")
                .containsExactly(0L);
        try (MemoryStore reopened = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(reopened.recovery().cleanStart()).isTrue();
            assertThat(contents(reopened)).isEqualTo(before);
        }
    }

    /**
     * A compaction that gives up (here: the store closes) while writers keep copying their ids into
     * its new generation waits for them before it unmaps that generation (a write into unmapped
     * memory would crash the JVM, failing the whole test run); the store reopens whole.
     */
    @Test
    void aCompactionGivingUpWhileWritersCopyWaitsForThemBeforeItUnmapsItsFiles() throws Exception {
        MemoryStore store = MemoryStore.open(dir, TestStores.growing());
        churn(store);
        int writers = 4;
        CyclicBarrier start = new CyclicBarrier(writers + 1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<Integer>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(pool.submit(() -> {
                start.await();
                int acknowledged = 0;
                try {
                    for (int i = 0; ; i++) {
                        store.put("id-" + ((writer * 13 + i) % 60), TestStores.write("w" + writer + " " + i, i));
                        acknowledged++;
                    }
                } catch (StoreClosedException e) {
                    return acknowledged;
                }
            }));
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        try {
            assertThatThrownBy(() -> store.compact(phase -> {
                if (phase == Compactor.Phase.COPYING && closing.isEmpty()) {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    // Some writes copy themselves into the new generation before the close.
                    await().atMost(Duration.ofSeconds(30)).until(() -> store.stats().slotsAllocated() > 400);
                    closing.add(CompletableFuture.runAsync(store::close));
                    await().atMost(Duration.ofSeconds(30)).until(() -> store.gate().closed());
                }
            })).isInstanceOf(StoreClosedException.class);
            closing.get(0).join();
            assertThat(store.copyingInto()).as("writers no longer copy into it").isNull();
            for (Future<Integer> writer : done) {
                assertThat(writer.get(30, TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(generationsOnDisk()).containsExactly(0L);
        try (MemoryStore reopened = MemoryStore.open(dir, TestStores.growing())) {
            assertThat(reopened.check().violations()).isZero();
            assertThat(reopened.stats().slotsLive()).isEqualTo(60);
        }
    }

    /**
     * An invariant check rests outside the gate, so a compaction switches while it rests (the switch
     * would otherwise wait for the whole check); the check then starts again on the new generation.
     */
    @Test
    void aCompactionSwitchesWhileACheckRestsAndTheCheckStartsAgainAfterIt() throws Exception {
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing())) {
            for (int i = 0; i < 600; i++) {
                store.put("c-" + i, TestStores.write("c", i));
            }
            CountDownLatch checking = new CountDownLatch(1);
            AtomicInteger pauses = new AtomicInteger();
            CompletableFuture<InvariantReport> check = CompletableFuture.supplyAsync(() -> store.check(() -> {
                if (pauses.getAndIncrement() == 0) {
                    checking.countDown();
                    await().atMost(Duration.ofSeconds(30)).until(() -> store.lastCompaction().isPresent());
                }
            }));
            Latches.await(checking);
            CompactionReport report = store.compact();
            InvariantReport checked = check.join();
            assertThat(checked.violations()).isZero();
            assertThat(checked.slotsLive()).isEqualTo(600);
            assertThat(store.checksRestarted()).isEqualTo(1);
            assertThat(report.generation()).isEqualTo(1);
        }
    }
}
