package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each durability mode does with a write. Power loss cannot be staged here, so the tests
 * watch what the modes control: which chunks are still waiting for a force after a write returns.
 */
class DurabilityModeTests {

    @TempDir
    Path dir;

    private MemoryStore open(Durability mode, Duration interval) {
        return MemoryStore.open(dir, TestStores.small().withDurability(mode, interval));
    }

    @Test
    void intervalModeForcesEveryWriteWithinTheSyncInterval() {
        try (MemoryStore store = open(Durability.INTERVAL, Duration.ofMillis(50))) {
            for (int i = 0; i < 100; i++) {
                store.put("k" + i, MemoryWrite.of("v" + i));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> store.unflushedChunks() == 0);
            store.put("late", MemoryWrite.of("x"));
            await().atMost(Duration.ofSeconds(5)).until(() -> store.unflushedChunks() == 0);
        }
    }

    @Test
    void alwaysModeForcesTheRecordAndTheSlotBeforeTheWriteReturns() {
        try (MemoryStore store = open(Durability.ALWAYS, Duration.ofMillis(100))) {
            long before = store.forces();
            store.put("k", MemoryWrite.of("v"));
            assertThat(store.forces() - before).as("content record range, then slot range").isEqualTo(2);
            store.delete("k");
            assertThat(store.forces() - before).isEqualTo(4);
        }
    }

    @Test
    void noneModeLeavesWritesToThePageCacheUntilFlushOrClose() {
        try (MemoryStore store = open(Durability.NONE, Duration.ofMillis(100))) {
            long before = store.forces();
            store.put("k", MemoryWrite.of("v"));
            assertThat(store.forces()).isEqualTo(before);
            assertThat(store.unflushedChunks()).as("the content chunk and the slot chunk").isEqualTo(2);
            store.flush();
            assertThat(store.unflushedChunks()).isZero();
            assertThat(store.forces() - before).isEqualTo(2);
        }
    }

    @Test
    void everyModeReadsBackAfterReopen() {
        for (Durability mode : Durability.values()) {
            try (MemoryStore store = open(mode, Duration.ofMillis(20))) {
                store.put(mode.name(), MemoryWrite.of("written in " + mode));
            }
        }
        try (MemoryStore store = open(Durability.NONE, Duration.ofMillis(100))) {
            for (Durability mode : Durability.values()) {
                assertThat(store.get(mode.name()).orElseThrow().content()).isEqualTo("written in " + mode);
            }
        }
    }
}
