package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forces that make a store's files and names durable, seen through a {@link RecordingForcer}:
 * a new file's header and then its directory entry, the version ceiling before a version it
 * covers is used, the data before the clean-shutdown mark, the mark before its name, and the
 * mark's removal before anything is written. None of them shows in a kill -9 test; each is what a
 * power loss would find missing.
 */
class FileForcesTests {

    @TempDir
    Path root;

    private final RecordingForcer forcer = new RecordingForcer();

    private StoreOptions options() {
        return TestStores.small().withForcer(forcer);
    }

    private static String header(String file, int bytes) {
        return RecordingForcer.range(file, 0, bytes);
    }

    @Test
    void creatingAStoreForcesEachNewFileBeforeTheDirectoryThatNamesIt() {
        Path dir = root.resolve("new");
        try (MemoryStore store = MemoryStore.open(dir, options())) {
            assertThat(store.recovery().created()).isTrue();
        }
        String dirName = "fsync dir " + dir.getFileName();
        assertThat(forcer.timeline()).as("%s", forcer.timeline()).containsSubsequence(
                "fsync dir " + root.getFileName(), // the store's directory, in its parent
                header(SlotFile.FILE_NAME, SlotLayout.HEADER_BYTES), dirName,
                header(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_BYTES), dirName,
                "fsync " + VersionCeiling.FILE_NAME + ".tmp", dirName);
    }

    @Test
    void closeForcesTheDataThenTheMarkThenItsName() {
        Path dir = root.resolve("store");
        try (MemoryStore store = MemoryStore.open(dir, options())) {
            store.put("k", MemoryWrite.of("v"));
            forcer.clear();
        }
        List<String> timeline = forcer.timeline();
        int mark = timeline.indexOf("fsync " + CleanShutdown.FILE_NAME + ".tmp");
        assertThat(mark).as("%s", timeline).isPositive();
        assertThat(timeline.subList(0, mark)).as("both files forced before the mark vouches for them")
                .anyMatch(e -> e.startsWith(SlotFile.FILE_NAME)).anyMatch(e -> e.startsWith(ContentLog.FILE_NAME));
        assertThat(timeline.subList(mark + 1, timeline.size())).containsExactly("fsync dir " + dir.getFileName());
    }

    @Test
    void openingRemovesTheMarkDurablyBeforeAnythingElseIsForced() throws Exception {
        Path dir = root.resolve("store");
        MemoryStore.open(dir, TestStores.small()).close();
        assertThat(Files.exists(dir.resolve(CleanShutdown.FILE_NAME))).isTrue();

        try (MemoryStore store = MemoryStore.open(dir, options())) {
            assertThat(store.recovery().cleanStart()).isTrue();
            forcer.mark("open returned");
        }
        assertThat(forcer.timeline()).as("the first force is the directory, without the mark")
                .startsWith("fsync dir " + dir.getFileName());
    }

    @Test
    void aLeftoverTemporaryMarkAloneIsRemovedDurablyTooAndNoMarkMeansNoDirectoryForce() throws Exception {
        Path dir = root.resolve("store");
        MemoryStore.open(dir, TestStores.small()).close();
        // A crash while the mark was being written leaves only the temporary file.
        Files.move(dir.resolve(CleanShutdown.FILE_NAME), dir.resolve(CleanShutdown.FILE_NAME + ".tmp"));

        try (MemoryStore store = MemoryStore.open(dir, options())) {
            assertThat(store.recovery().cleanStart()).isFalse();
            forcer.mark("open returned");
        }
        assertThat(forcer.timeline()).startsWith("fsync dir " + dir.getFileName());
        assertThat(Files.exists(dir.resolve(CleanShutdown.FILE_NAME + ".tmp"))).isFalse();

        Files.delete(dir.resolve(CleanShutdown.FILE_NAME)); // a crash: no mark at all
        forcer.clear();
        MemoryStore store = MemoryStore.open(dir, options());
        forcer.mark("open returned");
        store.close();
        List<String> timeline = forcer.timeline();
        assertThat(timeline.subList(0, timeline.indexOf("open returned")))
                .as("nothing was deleted, so no directory needs forcing").doesNotContain("fsync dir " + dir.getFileName());
    }

    @Test
    void aRaiseOfTheVersionCeilingIsForcedBeforeTheWriteUsingItReturns() {
        try (MemoryStore store = TestStores.open(root.resolve("store"), options(), 1)) {
            forcer.clear();
            store.put("a", MemoryWrite.of("first"));
            forcer.mark("put a returned");
            store.put("b", MemoryWrite.of("second"));
            forcer.mark("put b returned");
        }
        // Open raised the ceiling to cover the first version already; with a block of one, every
        // later version is one raise, forced before the write that takes it returns.
        assertThat(forcer.timeline()).startsWith(
                "put a returned", "fdatasync " + VersionCeiling.FILE_NAME, "put b returned");
    }
}
