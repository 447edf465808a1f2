package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up, modelled through the {@link FileExtender} seam as a byte budget: writes
 * that fail for lack of room take no slot number and leave no record, reads and deletes go on,
 * and writes resume as soon as there is room for the next growth step, however many attempts
 * failed before.
 */
class DiskFullRetryTests {

    @TempDir
    Path dir;

    /** A file system with {@code free} bytes left; an extension that does not fit fails whole. */
    static class BudgetDisk implements FileExtender {
        final AtomicLong free = new AtomicLong(Long.MAX_VALUE);
        /** Bytes the last refused extension asked for. */
        volatile long lastRefused;
        final AtomicLong refusals = new AtomicLong();

        @Override
        public void extend(FileChannel channel, long from, long to) throws IOException {
            long needed = to - from;
            long left = free.get();
            if (needed > left || !free.compareAndSet(left, left - needed)) {
                lastRefused = needed;
                refusals.incrementAndGet();
                throw new IOException("No space left on device");
            }
            FileExtender.ZERO_FILL.extend(channel, from, to);
        }

        @Override
        public long usableSpace(Path dir) {
            return free.get();
        }
    }

    /**
     * A new file's header is mapped and written: on a full disk, a mapping past the end of a file
     * that was only truncated to size would fault the process at the first write (SIGBUS). The
     * header's bytes are allocated through the extender first, so a full disk is a refused open.
     */
    @Test
    void aNewStoreOnAFullDiskIsRefusedBeforeItMapsAHeaderAndOpensOnceThereIsRoom() {
        BudgetDisk disk = new BudgetDisk();
        disk.free.set(0);
        assertThatThrownBy(() -> MemoryStore.open(dir, TestStores.growing(), disk, Clock.systemUTC()))
                .isInstanceOf(InsufficientStorageException.class);
        assertThat(disk.lastRefused).as("the first file's header is what could not be allocated")
                .isEqualTo(SlotLayout.HEADER_BYTES);

        disk.free.set(Long.MAX_VALUE);
        try (MemoryStore store = MemoryStore.open(dir, TestStores.growing(), disk, Clock.systemUTC())) {
            store.put("k", MemoryWrite.of("v"));
            assertThat(store.get("k").orElseThrow().content()).isEqualTo("v");
        }
    }

    @Test
    void manyFailedWritesTakeNothingAndOneGrowthStepOfRoomLetsWritesResume() throws Exception {
        BudgetDisk disk = new BudgetDisk();
        StoreOptions options = TestStores.growing();
        List<String> acknowledged = new ArrayList<>();
        try (MemoryStore store = MemoryStore.open(dir, options, disk, Clock.systemUTC())) {
            for (int i = 0; i < 40; i++) {
                store.put("k" + i, TestStores.write(TestStores.text("k" + i, 900), i));
                acknowledged.add("k" + i);
            }
            disk.free.set(0);
            int i = 40;
            while (true) { // fill the room the mapped chunks still have
                try {
                    store.put("k" + i, TestStores.write(TestStores.text("k" + i, 900), i));
                    acknowledged.add("k" + i++);
                } catch (InsufficientStorageException e) {
                    break;
                }
            }
            StoreStats full = store.stats();
            for (int attempt = 0; attempt < 500; attempt++) {
                int n = i + attempt;
                assertThatThrownBy(() -> store.put("k" + n, TestStores.write("x", n)))
                        .isInstanceOf(InsufficientStorageException.class);
            }
            StoreStats afterRetries = store.stats();
            assertThat(afterRetries.slotsAllocated()).as("no failed write took a slot number")
                    .isEqualTo(full.slotsAllocated());
            assertThat(afterRetries.contentBytes()).as("no failed write left a record").isEqualTo(full.contentBytes());
            assertThat(afterRetries.abandonedWrites()).isZero();

            // Reads and deletes go on while the disk is full.
            assertThat(store.get("k0").orElseThrow().content()).isEqualTo(TestStores.text("k0", 900));
            assertThat(store.delete("k1").status()).isEqualTo(DeleteResult.Status.DELETED);
            acknowledged.remove("k1");

            // Room for exactly what the refused growth asked for, until a write goes through: one
            // step per file at most, not one per failed attempt.
            long given = 0;
            int rounds = 0;
            PutResult resumed = null;
            while (resumed == null) {
                assertThat(rounds++).as("rounds of freed room").isLessThan(2);
                disk.free.set(disk.lastRefused);
                given += disk.lastRefused;
                try {
                    resumed = store.put("resumed", TestStores.write("after the disk filled", 1));
                } catch (InsufficientStorageException e) {
                    // the other file needs its step too
                }
            }
            acknowledged.add("resumed");
            long slotStep = options.slotChunks().max() * SlotLayout.slotSize(TestStores.DIMENSION);
            assertThat(given).as("room needed to resume").isLessThanOrEqualTo(slotStep + options.contentChunks().max());
            assertThat(resumed.memory().slot()).as("the first slot after the failures is the next unused one")
                    .isEqualTo(full.slotsAllocated() + 1); // the delete's tombstone took one
            assertThat(store.check().violations()).isZero();
        }
        for (boolean crash : new boolean[] {false, true}) {
            if (crash) {
                new DamagedFiles(dir, TestStores.DIMENSION).crashed();
            }
            try (MemoryStore store = MemoryStore.open(dir, options)) {
                assertThat(store.recovery().discarded()).as("%s", store.recovery()).isZero();
                assertThat(store.stats().slotsLive()).isEqualTo(acknowledged.size());
                for (String id : acknowledged) {
                    assertThat(store.get(id)).as(id).isPresent();
                }
                assertThat(store.get("k1")).isEmpty();
            }
        }
    }

    @Test
    void pastTheMiddleOfTheLastChunkTheNextIsGrownAheadWithoutAWriteWaitingForIt() {
        StoreOptions options = TestStores.growing().withGrowAhead(true); // slots 4, 4, 8, 16, 32, 32
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            store.put("k0", MemoryWrite.of("v"));
            // Room for slot 0 and 16 tombstones: chunks 0..3, 32 slots; slot 16 is not past chunk 3's middle.
            assertThat(store.stats().slotCapacity()).isEqualTo(32);
            for (int i = 1; store.stats().slotsAllocated() + SlotAppender.DELETE_HEADROOM < 24; i++) {
                store.put("k" + i, MemoryWrite.of("v"));
            }
            store.put("past-the-middle", MemoryWrite.of("v"));
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(store.stats().slotCapacity()).as("chunk 4 grown ahead")
                            .isEqualTo(64));
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void anEmptySpaceTakesAFewKibibytesAndGrowsGeometrically() throws Exception {
        MemoryStore.open(dir, StoreOptions.defaults()).close();
        long empty = 0;
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                empty += Files.size(file);
            }
        }
        assertThat(empty).as("bytes of an empty space, every file").isLessThanOrEqualTo(1 << 20);
        // Without growing ahead, which adds the second chunk once a write is past the first one's middle.
        try (MemoryStore store = MemoryStore.open(dir, StoreOptions.defaults().withGrowAhead(false))) {
            store.put("one", MemoryWrite.of("the first write needs no more than the first chunks"));
            assertThat(store.stats().slotCapacity()).isEqualTo(StoreOptions.defaults().slotChunks().first());
        }
        assertThat(Files.size(dir.resolve(SlotFile.FILE_NAME)) + Files.size(dir.resolve(ContentLog.FILE_NAME)))
                .as("one first chunk of each file")
                .isLessThanOrEqualTo(SlotLayout.HEADER_BYTES + ContentRecordLayout.HEADER_BYTES
                        + 2L * StoreOptions.FIRST_CHUNK_BYTES);
    }
}
