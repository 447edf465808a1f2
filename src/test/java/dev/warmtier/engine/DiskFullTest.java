package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk fails the write that needed room, with a clear exception, at growth time (never as
 * a SIGBUS later); reads go on, and writes resume once there is room.
 */
class DiskFullTest {

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
            long sizeBefore = java.nio.file.Files.size(dir.resolve(SlotFile.FILE_NAME));
            full.set(true);
            assertThatThrownBy(() -> store.put("k16", MemoryWrite.of("v16")))
                    .isInstanceOf(InsufficientStorageException.class)
                    .hasMessageContaining("no room");
            assertThatThrownBy(() -> store.put("k17", MemoryWrite.of(TestStores.text("big", 60_000))))
                    .isInstanceOf(InsufficientStorageException.class);
            // Nothing half-grown is left behind, reads and replacement-free ops go on.
            assertThat(java.nio.file.Files.size(dir.resolve(SlotFile.FILE_NAME))).isEqualTo(sizeBefore);
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
    void onARealFileSystemThatFillsUpTheWriteFailsCleanlyAndResumesAfterGrowingIt() throws Exception {
        Path mount = dir.resolve("small-fs");
        java.nio.file.Files.createDirectories(mount);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString()),
                "mounting a size-limited tmpfs needs root; the FileExtender test above covers the logic");
        try {
            Path store = mount.resolve("space");
            int stored = 0;
            InsufficientStorageException failure = null;
            try (MemoryStore s = MemoryStore.open(store, TestStores.small())) {
                try {
                    for (int i = 0; i < 10_000; i++) {
                        s.put("k" + i, MemoryWrite.of(TestStores.text("k" + i, 4000)));
                        stored++;
                    }
                } catch (InsufficientStorageException e) {
                    failure = e;
                }
                assertThat(failure).as("4 MiB cannot hold 40 MB").isNotNull();
                assertThat(failure.getMessage()).contains("no room");
                for (int i = 0; i < stored; i++) {
                    assertThat(s.get("k" + i).orElseThrow().content()).isEqualTo(TestStores.text("k" + i, 4000));
                }
                assertThat(s.check().violations()).isZero();

                assertThat(run("mount", "-o", "remount,size=8m", mount.toString())).isTrue();
                s.put("after", MemoryWrite.of(TestStores.text("after", 4000)));
                assertThat(s.get("after")).isPresent();
            }
            try (MemoryStore s = MemoryStore.open(store, TestStores.small())) {
                assertThat(s.stats().slotsLive()).isEqualTo(stored + 1L);
            }
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private static boolean run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    }
}
