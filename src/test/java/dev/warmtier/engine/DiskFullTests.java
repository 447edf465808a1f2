package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warmtier.SmallTmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk fails the write that needed room, with a clear exception, at growth time (never as
 * a SIGBUS later); reads go on, and writes resume once there is room. The second test runs on the
 * small tmpfs {@code .ci/run} mounts ({@link SmallTmpfs}).
 */
class DiskFullTests {

    @TempDir
    Path dir;

    @Test
    void aWriteThatNeedsAChunkTheDiskCannotHoldFailsAndTheStoreRecoversWhenRoomReturns() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        FileExtender disk = (channel, from, to) -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
            FileExtender.ZERO_FILL.extend(channel, from, to);
        };
        try (MemoryStore store = MemoryStore.open(dir, TestStores.small(), disk, Clock.systemUTC())) {
            List<String> stored = new ArrayList<>();
            for (int i = 0; i < 16; i++) { // exactly one chunk of slots
                store.put("k" + i, MemoryWrite.of("v" + i));
                stored.add("k" + i);
            }
            long sizeBefore = Files.size(dir.resolve(SlotFile.FILE_NAME));
            full.set(true);
            assertThatThrownBy(() -> store.put("k16", MemoryWrite.of("v16")))
                    .isInstanceOf(InsufficientStorageException.class)
                    .hasMessageContaining("no room");
            assertThatThrownBy(() -> store.put("k17", MemoryWrite.of(TestStores.text("big", 60_000))))
                    .isInstanceOf(InsufficientStorageException.class);
            // Nothing half-grown is left behind, reads and replacement-free ops go on.
            assertThat(Files.size(dir.resolve(SlotFile.FILE_NAME))).isEqualTo(sizeBefore);
            assertThat(store.get("k16")).isEmpty();
            for (String id : stored) {
                assertThat(store.get(id)).isPresent();
            }
            assertThat(store.check().violations()).isZero();

            full.set(false);
            store.put("k16", MemoryWrite.of("v16"));
            store.put("k17", MemoryWrite.of(TestStores.text("big", 60_000)));
            assertThat(store.get("k16").orElseThrow().content()).isEqualTo("v16");
            assertThat(store.check().violations()).isZero();
        }
        new DamagedFiles(dir, TestStores.DIMENSION).crashed();
        try (MemoryStore store = MemoryStore.open(dir, TestStores.small())) {
            assertThat(store.recovery().discarded()).isZero();
            assertThat(store.stats().slotsLive()).isEqualTo(18);
        }
    }

    @Test
    void onARealFileSystemThatFillsUpWritesFailWithoutWasteAndResumeWhenRoomIsFreed() throws Exception {
        try (SmallTmpfs fs = SmallTmpfs.acquire()) {
            Path store = fs.dir().resolve("space");
            Path filler = fs.fill("filler", fs.store().getTotalSpace() / 2);
            List<String> stored = new ArrayList<>();
            try (MemoryStore s = MemoryStore.open(store, TestStores.small())) {
                InsufficientStorageException failure = null;
                for (int i = 0; i < 100_000 && failure == null; i++) {
                    try {
                        s.put("k" + i, MemoryWrite.of(TestStores.text("k" + i, 4000)));
                        stored.add("k" + i);
                    } catch (InsufficientStorageException e) {
                        failure = e;
                    }
                }
                assertThat(failure).as("the tmpfs filled up").isNotNull();
                assertThat(failure.getMessage()).contains("no room");
                fs.fill("the-rest", Long.MAX_VALUE); // not a byte left
                StoreStats full = s.stats();
                for (int attempt = 0; attempt < 200; attempt++) {
                    int n = attempt;
                    assertThatThrownBy(() -> s.put("retry" + n, MemoryWrite.of(TestStores.text("r", 4000))))
                            .isInstanceOf(InsufficientStorageException.class);
                }
                assertThat(s.stats().slotsAllocated()).as("failed writes take no slot").isEqualTo(full.slotsAllocated());
                assertThat(s.stats().contentBytes()).as("failed writes leave no record").isEqualTo(full.contentBytes());
                for (String id : stored) {
                    assertThat(s.get(id).orElseThrow().content()).isEqualTo(TestStores.text(id, 4000));
                }
                assertThat(s.delete(stored.remove(0)).status()).as("a delete while the disk is full")
                        .isEqualTo(DeleteResult.Status.DELETED);
                assertThat(s.check().violations()).isZero();

                Files.delete(filler);
                s.put("after", MemoryWrite.of(TestStores.text("after", 4000)));
                stored.add("after");
                assertThat(s.get("after")).isPresent();
                Files.delete(fs.dir().getParent().resolve("the-rest"));
            }
            new DamagedFiles(store, TestStores.DIMENSION).crashed();
            try (MemoryStore s = MemoryStore.open(store, TestStores.small())) {
                assertThat(s.recovery().discarded()).isZero();
                assertThat(s.stats().slotsLive()).isEqualTo(stored.size());
                for (String id : stored) {
                    assertThat(s.get(id)).as(id).isPresent();
                }
            }
        }
    }
}
