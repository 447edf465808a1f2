package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What closing a store leaves behind: no thread of its own, the directory free for the next open,
 * and a clean-shutdown mark only when every force at close succeeded; and what the store answers
 * about itself while open.
 */
class StoreCloseTests {

    @TempDir
    Path dir;

    @Test
    void anOpenStoreSaysWhereItLivesWithWhatOptionsAndDimension() {
        StoreOptions options = TestStores.small();
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            assertThat(store.directory()).isEqualTo(dir);
            assertThat(store.options()).isSameAs(options);
            assertThat(store.embeddingDimension()).isEqualTo(TestStores.DIMENSION);
        }
    }

    @Test
    void onlyTheIntervalModeRunsAFlusherAndItsRoundsAreCounted() {
        try (MemoryStore store = MemoryStore.open(dir.resolve("none"), TestStores.small())) {
            assertThat(store.flushes()).isZero();
            assertThat(store.flusherStopped()).isFalse();
        }
        StoreOptions interval = TestStores.small().withDurability(Durability.INTERVAL, Duration.ofMillis(10));
        try (MemoryStore store = MemoryStore.open(dir.resolve("interval"), interval)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> store.flushes() >= 2);
            assertThat(store.flusherStopped()).isFalse();
        }
    }

    @Test
    void closeLeavesNoThreadOfTheStoreRunning() throws IOException {
        StoreOptions interval = TestStores.small().withDurability(Durability.INTERVAL, Duration.ofMillis(10));
        Path storeDir = dir.resolve("threads-" + System.nanoTime());
        MemoryStore store = MemoryStore.open(storeDir, interval);
        store.put("k", TestStores.write("grows the log on the I/O thread", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> store.flushes() >= 1);
        String name = storeDir.getFileName().toString();
        assertThat(threadsNamedFor(name)).as("flusher and I/O thread while open").hasSizeGreaterThanOrEqualTo(1);
        store.close();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(threadsNamedFor(name)).isEmpty());
    }

    private static List<String> threadsNamedFor(String storeName) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.endsWith(storeName)).toList();
    }

    @Test
    void aForceThatFailsAtCloseIsThrownWithEveryOtherAndLeavesNoCleanMark() {
        FailingForcer forcer = new FailingForcer();
        MemoryStore store = MemoryStore.open(dir, TestStores.small().withForcer(forcer));
        for (int i = 0; i < 20; i++) {
            store.put("k" + i, TestStores.write("memory " + i, i));
        }
        forcer.failing = true;

        assertThatThrownBy(store::close).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(ContentLog.FILE_NAME)
                .satisfies(e -> assertThat(e.getSuppressed()).as("the slot file's failure too").singleElement()
                        .satisfies(s -> assertThat(s).hasMessageContaining(SlotFile.FILE_NAME)));
        assertThat(Files.exists(dir.resolve(CleanShutdown.FILE_NAME))).as("no mark vouches for unforced files")
                .isFalse();

        // The directory is free again, and the next open rebuilds the store from its files.
        try (MemoryStore reopened = MemoryStore.open(dir, TestStores.small())) {
            assertThat(reopened.recovery().cleanStart()).isFalse();
            assertThat(reopened.recovery().liveMemories()).isEqualTo(20);
            assertThat(reopened.get("k7").orElseThrow().content()).isEqualTo("memory 7");
        }
    }

    @Test
    void closingTwiceIsHarmlessAndAClosedStoreRefusesWork() {
        MemoryStore store = MemoryStore.open(dir, TestStores.small());
        store.close();
        store.close();
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(store::flush).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.scan(null, 1, true)).isInstanceOf(StoreClosedException.class);
    }

    /** Forces through msync until told to fail, then fails every force naming its file. */
    private static final class FailingForcer implements Forcer {
        volatile boolean failing;

        @Override
        public void force(Path file, long chunkStart, MappedByteBuffer chunk, int offset, int length) {
            if (failing) {
                throw new UncheckedIOException("cannot force " + file.getFileName(), new IOException("injected"));
            }
            Forcer.MSYNC.force(file, chunkStart, chunk, offset, length);
        }
    }
}
