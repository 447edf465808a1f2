package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryStoreTests {

    @TempDir
    Path dir;
    MemoryStore store;

    @BeforeEach
    void open() {
        store = TestStores.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void putThenGetReturnsEveryField() {
        MemoryWrite write = TestStores.write("Content from thread 0 episode 0", 1);
        PutResult put = store.put("thread-0-ep-0", write);

        assertThat(put.status()).isEqualTo(PutResult.Status.CREATED);
        StoredMemory got = store.get("thread-0-ep-0").orElseThrow();
        assertThat(got.content()).isEqualTo(write.content());
        assertThat(got.embedding()).containsExactly(write.embedding());
        assertThat(got.confidence()).isEqualTo(0.5f);
        assertThat(got.activation()).isEqualTo(0.25f);
        assertThat(got.decayRate()).isEqualTo(0.125f);
        assertThat(got.version()).isEqualTo(put.memory().version());
        assertThat(got.slot()).isEqualTo(put.memory().slot());
        assertThat(got.createdAt()).isEqualTo(put.memory().createdAt()).isEqualTo(got.updatedAt());
        assertThat(store.get("thread-0-ep-0", false).orElseThrow().embedding()).isNull();
    }

    @Test
    void aMissingEmbeddingIsStoredAsZeros() {
        store.put("a", MemoryWrite.of("no vector"));
        assertThat(store.get("a").orElseThrow().embedding()).containsOnly(0f).hasSize(TestStores.DIMENSION);
    }

    @Test
    void replacingKeepsCreatedAtAndTakesANewSlotAndAHigherVersion() {
        StoredMemory first = store.put("k", MemoryWrite.of("one")).memory();
        PutResult second = store.put("k", MemoryWrite.of("two"));

        assertThat(second.status()).isEqualTo(PutResult.Status.REPLACED);
        assertThat(second.memory().version()).isGreaterThan(first.version());
        assertThat(second.memory().slot()).isNotEqualTo(first.slot());
        assertThat(second.memory().createdAt()).isEqualTo(first.createdAt());
        assertThat(store.get("k").orElseThrow().content()).isEqualTo("two");
    }

    @Test
    void versionsIncreaseAcrossAllKeys() {
        long a = store.put("a", MemoryWrite.of("1")).memory().version();
        long b = store.put("b", MemoryWrite.of("2")).memory().version();
        long c = store.delete("a").version();
        long d = store.put("a", MemoryWrite.of("3")).memory().version();
        assertThat(List.of(a, b, c, d)).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void conditionalPutsStoreOnlyWhenTheirPreconditionHolds() {
        assertThat(store.putIfVersion("k", 1, MemoryWrite.of("x")).status())
                .isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        PutResult created = store.putIfAbsent("k", MemoryWrite.of("x"));
        assertThat(created.status()).isEqualTo(PutResult.Status.CREATED);
        PutResult again = store.putIfAbsent("k", MemoryWrite.of("y"));
        assertThat(again.status()).isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        assertThat(again.currentVersion()).isEqualTo(created.memory().version());

        long v = created.memory().version();
        assertThat(store.putIfVersion("k", v + 1, MemoryWrite.of("z")).status())
                .isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        PutResult swapped = store.putIfVersion("k", v, MemoryWrite.of("z"));
        assertThat(swapped.status()).isEqualTo(PutResult.Status.REPLACED);
        assertThat(store.get("k").orElseThrow().content()).isEqualTo("z");
        assertThat(store.putIfVersion("k", v, MemoryWrite.of("stale")).status())
                .isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        assertThat(store.check().violations()).isZero();
    }

    @Test
    void deleteLeavesATombstoneAndAnAbsentKey() {
        long v = store.put("k", MemoryWrite.of("x")).memory().version();
        assertThat(store.deleteIfVersion("k", v + 5).status()).isEqualTo(DeleteResult.Status.PRECONDITION_FAILED);
        DeleteResult deleted = store.deleteIfVersion("k", v);
        assertThat(deleted.status()).isEqualTo(DeleteResult.Status.DELETED);
        assertThat(deleted.version()).isGreaterThan(v);
        assertThat(store.get("k")).isEmpty();
        assertThat(store.version("k")).isZero();
        assertThat(store.delete("k").status()).isEqualTo(DeleteResult.Status.NOT_FOUND);
        assertThat(store.delete("never").status()).isEqualTo(DeleteResult.Status.NOT_FOUND);
        assertThat(store.putIfAbsent("k", MemoryWrite.of("back")).status()).isEqualTo(PutResult.Status.CREATED);
        assertThat(store.stats().slotsLive()).isEqualTo(1);
        assertThat(store.check().violations()).isZero();
    }

    @Test
    void scanPagesThroughLiveIdsInOrder() {
        for (int i = 0; i < 25; i++) {
            store.put(String.format("id-%02d", i), MemoryWrite.of("c" + i));
        }
        store.delete("id-03");
        List<String> seen = new ArrayList<>();
        String after = null;
        List<StoredMemory> page;
        do {
            page = store.scan(after, 7, false);
            page.forEach(m -> seen.add(m.id()));
            after = page.isEmpty() ? after : page.get(page.size() - 1).id();
        } while (page.size() == 7);
        assertThat(seen).hasSize(24).isSorted().doesNotContain("id-03").doesNotHaveDuplicates();
    }

    @Test
    void badInputIsRejectedAndChangesNothing() {
        long before = store.stats().slotsAllocated();
        assertThatThrownBy(() -> store.put("", MemoryWrite.of("x"))).hasMessageContaining("id");
        assertThatThrownBy(() -> store.put("x".repeat(257), MemoryWrite.of("x"))).hasMessageContaining("256");
        assertThatThrownBy(() -> store.put("a\u0001b", MemoryWrite.of("x"))).hasMessageContaining("control");
        assertThatThrownBy(() -> store.put("\ud800", MemoryWrite.of("x"))).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> store.put("k", MemoryWrite.of("x".repeat(64 * 1024 + 1))))
                .isInstanceOf(ContentTooLargeException.class);
        assertThatThrownBy(() -> store.put("k", MemoryWrite.of("x").withEmbedding(new float[3])))
                .hasMessageContaining("embedding");
        float[] nan = new float[TestStores.DIMENSION];
        nan[2] = Float.NaN;
        assertThatThrownBy(() -> store.put("k", MemoryWrite.of("x").withEmbedding(nan))).hasMessageContaining("finite");
        assertThatThrownBy(() -> store.put("k", new MemoryWrite("x", null, 1.5f, 0, 0))).hasMessageContaining("confidence");
        assertThatThrownBy(() -> store.put("k", new MemoryWrite("x", null, 0.5f, -0.1f, 0))).hasMessageContaining("activation");
        assertThatThrownBy(() -> store.put("k", new MemoryWrite("x", null, 0.5f, 0, Float.POSITIVE_INFINITY)))
                .hasMessageContaining("decayRate");
        assertThat(store.stats().slotsAllocated()).isEqualTo(before);
        assertThat(store.get("k")).isEmpty();
    }

    @Test
    void idsMayBeAnyUnicodeUpTo256Bytes() {
        String id = "\u00e9t\u00e9-\u6f22\u5b57-\ud83d\ude00-" + "x".repeat(256 - 18);
        assertThat(id.getBytes(StandardCharsets.UTF_8)).hasSize(256);
        store.put(id, MemoryWrite.of("unicode"));
        assertThat(store.get(id).orElseThrow().content()).isEqualTo("unicode");
    }

    @Test
    void bothFilesGrowAcrossManyChunksWhileEarlierDataStaysReadable() {
        // 16 slots and 128 KiB of content per chunk: 300 writes of up to 3 KiB cross many of both.
        for (int i = 0; i < 300; i++) {
            store.put("m" + i, TestStores.write(TestStores.text("m" + i, (i * 97) % 3000), i));
            StoredMemory first = store.get("m0").orElseThrow();
            assertThat(first.content()).isEqualTo(TestStores.text("m0", 0));
        }
        assertThat(store.stats().slotCapacity()).isGreaterThanOrEqualTo(300);
        assertThat(store.stats().contentBytes()).isGreaterThan(3 * 128 * 1024L);
        for (int i = 0; i < 300; i++) {
            assertThat(store.get("m" + i).orElseThrow().content()).isEqualTo(TestStores.text("m" + i, (i * 97) % 3000));
        }
        InvariantReport report = store.check();
        assertThat(report.violations()).as("%s", report).isZero();
        assertThat(report.slotsLive()).isEqualTo(300);
    }

    @Test
    void aRecordThatDoesNotFitTheRestOfAChunkStartsTheNextOne() {
        // Each record ~40 KiB in 128 KiB chunks: the fourth must be padded over to the next chunk.
        for (int i = 0; i < 8; i++) {
            store.put("big" + i, MemoryWrite.of(TestStores.text("big" + i, 40_000)));
        }
        for (int i = 0; i < 8; i++) {
            StoredMemory m = store.get("big" + i).orElseThrow();
            assertThat(m.content()).isEqualTo(TestStores.text("big" + i, 40_000));
        }
        assertThat(store.check().violations()).isZero();
    }

    @Test
    void everythingSurvivesACleanReopenIncludingTombstones() {
        for (int i = 0; i < 40; i++) {
            store.put("k" + i, TestStores.write("v" + i, i));
        }
        store.delete("k7");
        store.put("k8", TestStores.write("v8-bis", 8));
        long lastVersion = store.put("k9", MemoryWrite.of("v9-bis")).memory().version();
        store.close();

        store = TestStores.open(dir);
        assertThat(store.recovery().cleanStart()).isTrue();
        assertThat(store.get("k7")).isEmpty();
        assertThat(store.get("k8").orElseThrow().content()).isEqualTo("v8-bis");
        assertThat(store.get("k39").orElseThrow().embedding()).containsExactly(TestStores.embedding(39));
        assertThat(store.stats().slotsLive()).isEqualTo(39);
        assertThat(store.put("new", MemoryWrite.of("after")).memory().version()).isGreaterThan(lastVersion);
        assertThat(store.check().violations()).isZero();
    }

    @Test
    void aReopenWithoutTheCleanMarkRebuildsTheSameIndexFromTheSlots() throws Exception {
        assertThat(store.recovery().created()).as("the first open made the files").isTrue();
        assertThat(store.recovery().recovered()).as("a new store has nothing to recover").isFalse();
        for (int i = 0; i < 40; i++) {
            store.put("k" + (i % 13), TestStores.write("v" + i, i));
        }
        store.delete("k3");
        List<String> before = snapshot(store);
        store.close();
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));

        store = TestStores.open(dir);
        RecoveryReport recovery = store.recovery();
        assertThat(recovery.cleanStart()).isFalse();
        assertThat(recovery.created()).isFalse();
        assertThat(recovery.recovered()).isTrue();
        assertThat(recovery.committedSlots()).isEqualTo(41);
        assertThat(recovery.liveMemories()).isEqualTo(12);
        assertThat(recovery.tombstones()).isEqualTo(1);
        assertThat(recovery.discarded()).isZero();
        assertThat(snapshot(store)).isEqualTo(before);
        assertThat(store.get("k3")).isEmpty();
        assertThat(store.check().violations()).isZero();
    }

    @Test
    void aCleanMarkOutlivedByAnEditOfTheFilesIsNotTrusted() throws Exception {
        store.put("a", MemoryWrite.of("x"));
        store.close();
        Path slots = dir.resolve(SlotFile.FILE_NAME);
        Files.setLastModifiedTime(slots, FileTime.fromMillis(0));
        store = TestStores.open(dir);
        assertThat(store.recovery().cleanStart()).isFalse();
        assertThat(store.get("a").orElseThrow().content()).isEqualTo("x");
    }

    @Test
    void reopeningWithAnotherDimensionFailsClearly() {
        store.put("a", MemoryWrite.of("x"));
        store.close();
        assertThatThrownBy(() -> MemoryStore.open(dir, TestStores.small().withEmbeddingDimension(16)))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining("embedding dimension")
                .hasMessageContaining("created with embedding dimension 8")
                .hasMessageContaining("opened with 16");
        // The failed open released the directory and changed nothing.
        store = TestStores.open(dir);
        assertThat(store.get("a")).isPresent();
    }

    @Test
    void aSecondOpenerOfTheSameDirectoryIsRefused() {
        assertThatThrownBy(() -> TestStores.open(dir))
                .isInstanceOf(StoreLockedException.class)
                .hasMessageContaining("already in use");
        store.put("still", MemoryWrite.of("works"));
        assertThat(store.get("still")).isPresent();
    }

    @Test
    void operationsAfterCloseFailClearly() {
        store.close();
        assertThatThrownBy(() -> store.get("a")).isInstanceOf(StoreClosedException.class);
        assertThatThrownBy(() -> store.put("a", MemoryWrite.of("x"))).isInstanceOf(StoreClosedException.class);
        store = TestStores.open(dir);
    }

    private static List<String> snapshot(MemoryStore store) {
        return store.scan(null, 1000, true).stream()
                .map(m -> m.id() + "|" + m.content() + "|" + m.version() + "|" + m.slot() + "|"
                        + Arrays.toString(m.embedding()) + "|" + m.createdAt() + "|" + m.updatedAt())
                .collect(Collectors.toList());
    }
}
