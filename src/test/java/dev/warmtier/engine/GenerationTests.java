package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which generation is current, and what an open deletes: the files of a compaction's switch. */
class GenerationTests {

    @TempDir
    Path dir;

    private void files(Path at) throws IOException {
        Files.createDirectories(at);
        Files.write(at.resolve(SlotFile.FILE_NAME), new byte[] {1});
        Files.write(at.resolve(ContentLog.FILE_NAME), new byte[] {1});
    }

    @Test
    void withoutCurrentGenerationZeroIsCurrentAndWithItTheOneItNames() throws IOException {
        assertThat(Generation.current(dir)).isZero();
        RecordingForcer forcer = new RecordingForcer();
        Generation.prepareCurrent(dir, 7, forcer);
        assertThat(Generation.current(dir)).as("prepared is not current").isZero();
        Generation.commitCurrent(dir, forcer);
        assertThat(Generation.current(dir)).isEqualTo(7);
        assertThat(forcer.timeline()).containsExactly("fsync CURRENT.tmp", "fsync dir " + dir.getFileName());
        assertThat(dir.resolve(Generation.CURRENT_FILE)).hasSize(Generation.CURRENT_BYTES);
    }

    @Test
    void aCurrentOfTheWrongSizeOrNumberIsDamaged() throws IOException {
        Generation.prepareCurrent(dir, 3, Forcer.MSYNC);
        Generation.commitCurrent(dir, Forcer.MSYNC);
        byte[] whole = Files.readAllBytes(dir.resolve(Generation.CURRENT_FILE));
        Files.write(dir.resolve(Generation.CURRENT_FILE), Arrays.copyOf(whole, whole.length + 1));
        assertThatThrownBy(() -> Generation.current(dir)).isInstanceOf(StoreFormatException.class);
        Generation.prepareCurrent(dir, 0, Forcer.MSYNC);
        Generation.commitCurrent(dir, Forcer.MSYNC);
        assertThatThrownBy(() -> Generation.current(dir)).as("0 is never written: it is no CURRENT")
                .isInstanceOf(StoreFormatException.class);
    }

    @Test
    void deletingAllButTheCurrentGenerationCountsWhatWentAndForcesTheDirectory() throws IOException {
        files(dir);
        files(dir.resolve("gen-1"));
        files(dir.resolve("gen-2"));
        Files.createDirectories(dir.resolve("gen-x")); // not a generation: left alone
        Files.write(dir.resolve(Generation.CURRENT_FILE + ".tmp"), new byte[] {1});
        RecordingForcer forcer = new RecordingForcer();

        int deleted = Generation.deleteAllBut(dir, 2, forcer);

        assertThat(deleted).as("generation 0's files and gen-1").isEqualTo(2);
        assertThat(dir.resolve(SlotFile.FILE_NAME)).doesNotExist();
        assertThat(dir.resolve("gen-1")).doesNotExist();
        assertThat(dir.resolve("gen-2").resolve(SlotFile.FILE_NAME)).exists();
        assertThat(dir.resolve("gen-x")).exists();
        assertThat(dir.resolve(Generation.CURRENT_FILE + ".tmp")).doesNotExist();
        assertThat(forcer.timeline()).containsExactly("fsync dir " + dir.getFileName());
    }

    @Test
    void deletingAllButGenerationZeroKeepsItsFilesAndWithNothingToDeleteForcesNothing() throws IOException {
        files(dir);
        RecordingForcer forcer = new RecordingForcer();
        assertThat(Generation.deleteAllBut(dir, 0, forcer)).isZero();
        assertThat(dir.resolve(SlotFile.FILE_NAME)).exists();
        assertThat(forcer.timeline()).isEmpty();
        files(dir.resolve("gen-4"));
        assertThat(Generation.deleteAllBut(dir, 0, forcer)).isEqualTo(1);
        assertThat(dir.resolve("gen-4")).doesNotExist();
        assertThat(dir.resolve(ContentLog.FILE_NAME)).exists();
    }

    @Test
    void deletingAGenerationForcesTheStoreDirectory() throws IOException {
        files(dir.resolve("gen-5"));
        RecordingForcer forcer = new RecordingForcer();
        Generation.delete(dir, 5, forcer);
        assertThat(dir.resolve("gen-5")).doesNotExist();
        assertThat(forcer.timeline()).containsExactly("fsync dir " + dir.getFileName());
        files(dir);
        Generation.delete(dir, 0, forcer);
        assertThat(dir.resolve(SlotFile.FILE_NAME)).doesNotExist();
        assertThat(dir.resolve(ContentLog.FILE_NAME)).doesNotExist();
    }

    @Test
    void aNamedGenerationWhoseSlotFileIsMissingIsRefused() throws IOException {
        Generation.requirePresent(dir, 0); // generation 0 is made when missing: a new store
        files(dir.resolve("gen-2"));
        Generation.requirePresent(dir, 2);
        Files.delete(dir.resolve("gen-2").resolve(SlotFile.FILE_NAME));
        assertThatThrownBy(() -> Generation.requirePresent(dir, 2)).isInstanceOf(StoreFormatException.class)
                .hasMessageContaining("names generation 2");
    }

    @Test
    void generationZerosFilesCountAsOneGenerationWhicheverOfThemIsLeft() throws IOException {
        Files.write(dir.resolve(SlotFile.FILE_NAME), new byte[] {1});
        assertThat(Generation.deleteAllBut(dir, 3, Forcer.MSYNC)).as("only slots.dat").isEqualTo(1);
        Files.write(dir.resolve(ContentLog.FILE_NAME), new byte[] {1});
        assertThat(Generation.deleteAllBut(dir, 3, Forcer.MSYNC)).as("only content.log").isEqualTo(1);
        assertThat(Generation.deleteAllBut(dir, 3, Forcer.MSYNC)).as("neither").isZero();
    }
}
