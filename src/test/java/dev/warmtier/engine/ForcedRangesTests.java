package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which ranges each durability mode forces, in which order, on which thread, and before which
 * acknowledgement, seen through a {@link RecordingForcer}. A force that reaches no disk cannot be
 * seen by a crash test (a killed process loses nothing from the page cache), so these tests are
 * what fails when a force goes missing or covers the wrong bytes.
 */
class ForcedRangesTests {

    private static final int SLOT_SIZE = SlotLayout.slotSize(TestStores.DIMENSION);
    /** Slots per chunk and content bytes per chunk of {@link TestStores#small()}. */
    private static final int SLOTS_PER_CHUNK = TestStores.SMALL_SLOT_CHUNK;
    private static final int CONTENT_CHUNK = TestStores.SMALL_CONTENT_CHUNK;

    @TempDir
    Path dir;

    private final RecordingForcer forcer = new RecordingForcer();

    private MemoryStore open(Durability mode, Duration interval) {
        return MemoryStore.open(dir, TestStores.small().withDurability(mode, interval).withForcer(forcer));
    }

    private static String slotRange(long slot) {
        return RecordingForcer.range(SlotFile.FILE_NAME, SlotLayout.HEADER_BYTES + slot * SLOT_SIZE, SLOT_SIZE);
    }

    private static String recordRange(long offset, String id, String content) {
        return RecordingForcer.range(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_BYTES + offset,
                recordLength(id, content));
    }

    private static int recordLength(String id, String content) {
        return ContentRecordLayout.recordLength(id.getBytes(StandardCharsets.UTF_8).length,
                content.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String slotChunkRange(int chunk) {
        return RecordingForcer.range(SlotFile.FILE_NAME, SlotLayout.HEADER_BYTES + (long) chunk * SLOTS_PER_CHUNK * SLOT_SIZE,
                SLOTS_PER_CHUNK * SLOT_SIZE);
    }

    private static String contentChunkRange(int chunk) {
        return RecordingForcer.range(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_BYTES + (long) chunk * CONTENT_CHUNK,
                CONTENT_CHUNK);
    }

    @Test
    void alwaysForcesExactlyTheRecordThenTheCommittedSlotBeforeEachWriteReturns() {
        try (MemoryStore store = open(Durability.ALWAYS, Duration.ofMillis(100))) {
            forcer.clear();
            store.put("a", MemoryWrite.of("first"));
            forcer.mark("put a returned");
            store.put("b", MemoryWrite.of("second"));
            forcer.mark("put b returned");
            store.delete("a");
            forcer.mark("delete a returned");

            long second = recordLength("a", "first");
            long third = second + recordLength("b", "second");
            assertThat(forcer.timeline()).containsExactly(
                    recordRange(0, "a", "first"), slotRange(0), "put a returned",
                    recordRange(second, "b", "second"), slotRange(1), "put b returned",
                    recordRange(third, "a", ""), slotRange(2), "delete a returned");

            List<RecordingForcer.Force> forces = forcer.forces();
            for (int i = 0; i < forces.size(); i += 2) {
                RecordingForcer.Force record = forces.get(i);
                RecordingForcer.Force slot = forces.get(i + 1);
                assertThat(ContentRecordLayout.storedChecksum(record.buffer(), 0))
                        .as("the record was complete when %s was forced", record)
                        .isEqualTo(ContentRecordLayout.computeChecksum(record.buffer(), 0,
                                ContentRecordLayout.idLength(record.buffer(), 0),
                                ContentRecordLayout.contentLength(record.buffer(), 0)));
                assertThat(SlotLayout.stateVolatile(slot.buffer(), 0))
                        .as("the slot was committed when %s was forced", slot)
                        .isEqualTo(SlotLayout.STATE_COMMITTED);
                assertThat(SlotLayout.storedChecksum(slot.buffer(), 0))
                        .as("the slot's checksum was written when %s was forced", slot)
                        .isEqualTo(SlotLayout.computeChecksum(slot.buffer(), 0, SLOT_SIZE));
            }
        }
    }

    @Test
    void alwaysForcesTheRangeInTheChunkThatHoldsTheSlot() {
        try (MemoryStore store = open(Durability.ALWAYS, Duration.ofMillis(100))) {
            for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
                store.put("k" + i, MemoryWrite.of("v"));
            }
            forcer.clear();
            store.put("past the first chunk", MemoryWrite.of("v"));
            assertThat(forcer.timeline()).as("slot %d is the first of the second chunk", SLOTS_PER_CHUNK)
                    .endsWith(slotRange(SLOTS_PER_CHUNK));
            assertThat(store.get("past the first chunk")).isPresent();
        }
    }

    @Test
    void intervalForcesOnlyFromTheFlusherNeverOnTheWritingThread() {
        try (MemoryStore store = open(Durability.INTERVAL, Duration.ofMillis(50))) {
            forcer.clear();
            for (int i = 0; i < 20; i++) {
                store.put("k" + i, MemoryWrite.of("v" + i));
            }
            String writer = Thread.currentThread().getName();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(forcer.timeline())
                    .as("both written chunks forced by the flusher")
                    .contains(slotChunkRange(0), slotChunkRange(1), contentChunkRange(0)));
            assertThat(forcer.forces()).as("forces made so far").isNotEmpty()
                    .allSatisfy(f -> assertThat(f.thread()).as("thread of %s", f)
                            .isNotEqualTo(writer).startsWith("warmtier-flush-"));
            await().atMost(Duration.ofSeconds(10)).until(() -> store.unflushedChunks() == 0);
        }
    }

    @Test
    void noneForcesNothingUntilFlushAndEverythingAtClose() {
        MemoryStore store = open(Durability.NONE, Duration.ofMillis(100));
        try {
            forcer.clear();
            store.put("k", MemoryWrite.of("v"));
            store.delete("k");
            assertThat(forcer.timeline()).as("no force for a write in mode none").isEmpty();
            store.flush();
            assertThat(forcer.timeline()).as("flush forces the dirty chunks, whole")
                    .containsExactly(contentChunkRange(0), slotChunkRange(0));
            forcer.clear();
            store.flush();
            assertThat(forcer.timeline()).as("nothing is dirty after a flush").isEmpty();
        } finally {
            store.close();
        }
        assertThat(forcer.timeline()).as("close forces every mapped chunk")
                .contains(contentChunkRange(0), slotChunkRange(0));
    }

    /**
     * A force the disk refuses leaves its chunk dirty: the flusher counts the failure and a later
     * round forces that chunk again, with the chunk the failed round never reached.
     */
    @Test
    void aFailedIntervalFlushIsCountedAndALaterRoundForcesWhatItLeft() {
        AtomicInteger failuresLeft = new AtomicInteger();
        Forcer failing = (file, chunkStart, chunk, offset, length) -> {
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new UncheckedIOException(new IOException("injected: the disk refused a force"));
            }
            forcer.force(file, chunkStart, chunk, offset, length);
        };
        StoreOptions options = TestStores.small().withDurability(Durability.INTERVAL, Duration.ofMillis(10))
                .withForcer(failing);
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            forcer.clear();
            failuresLeft.set(1);
            store.put("k", MemoryWrite.of("v"));
            // The flusher hands each failure to its thread's uncaught-exception handler (to be logged);
            // Awaitility would take the injected one for a failure of this test.
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(store.stats().flushFailures()).isEqualTo(1);
                assertThat(forcer.timeline()).containsExactly(contentChunkRange(0), slotChunkRange(0));
            });
        }
    }

    @Test
    void recoveryForcesItsRepairsBeforeOpenReturnsInEveryMode() throws Exception {
        for (Durability mode : Durability.values()) {
            Path storeDir = dir.resolve(mode.name());
            long torn;
            try (MemoryStore store = MemoryStore.open(storeDir, TestStores.small().withDurability(mode,
                    Duration.ofMillis(100)))) {
                store.put("a", MemoryWrite.of("kept"));
                torn = store.put("b", MemoryWrite.of("torn")).memory().slot();
            }
            DamagedFiles damage = new DamagedFiles(storeDir, TestStores.DIMENSION).crashed();
            damage.flipSlotByte(torn, SlotLayout.EMBEDDING_OFFSET); // b's slot fails its checksum: cleared
            damage.writeContentBytes(CONTENT_CHUNK / 2, new byte[] {1}); // junk past the tail: zeroed

            forcer.clear();
            try (MemoryStore store = MemoryStore.open(storeDir, TestStores.small().withDurability(mode,
                    Duration.ofDays(1)).withForcer(forcer))) {
                forcer.mark("open returned");
                assertThat(store.recovery().invalidSlotsDiscarded()).isEqualTo(1);
                assertThat(store.recovery().contentBytesTruncated()).isPositive();
                List<String> timeline = forcer.timeline();
                assertThat(timeline.subList(0, timeline.indexOf("open returned"))).as(mode.name())
                        .contains(slotChunkRange(0), contentChunkRange(0));
            }
        }
    }
}
