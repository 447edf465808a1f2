package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory steps every file of a store shares: whether a directory holds a store, creating
 * one, renaming over a file, closing after a failure, and telling a full disk from other I/O errors.
 */
class StoreDirectoryTests {

    @TempDir
    Path dir;

    @Test
    void aDirectoryHoldsAStoreOnlyWithItsSlotFile() throws IOException {
        assertThat(StoreDirectory.holdsStore(dir)).as("empty").isFalse();
        Files.writeString(dir.resolve(ContentLog.FILE_NAME), "x");
        assertThat(StoreDirectory.holdsStore(dir)).as("a content log alone").isFalse();
        Files.createDirectory(dir.resolve(SlotFile.FILE_NAME));
        assertThat(StoreDirectory.holdsStore(dir)).as("a directory named like the slot file").isFalse();
        Path other = dir.resolve("other");
        MemoryStore.open(other, TestStores.small()).close();
        assertThat(StoreDirectory.holdsStore(other)).as("a store's directory").isTrue();
    }

    @Test
    void createMakesMissingDirectoriesAndLeavesAnExistingOneAsItIs() throws IOException {
        Path nested = dir.resolve("a").resolve("b");
        StoreDirectory.create(nested, Forcer.MSYNC);
        assertThat(nested).isDirectory();
        Files.writeString(nested.resolve("kept"), "x");
        StoreDirectory.create(nested, Forcer.MSYNC);
        assertThat(nested.resolve("kept")).hasContent("x");
    }

    @Test
    void renameReplacesTheTarget() throws IOException {
        Path from = Files.writeString(dir.resolve("new"), "new");
        Path to = Files.writeString(dir.resolve("old"), "old");
        StoreDirectory.rename(from, to, Forcer.MSYNC);
        assertThat(from).doesNotExist();
        assertThat(to).hasContent("new");
    }

    @Test
    void closingQuietlySwallowsTheCloseFailureAndClosesWhatItIsGiven() {
        boolean[] closed = new boolean[1];
        Closeable failing = () -> {
            closed[0] = true;
            throw new IOException("already broken");
        };
        assertThatCode(() -> StoreDirectory.closeQuietly(failing)).doesNotThrowAnyException();
        assertThat(closed[0]).as("close was called").isTrue();
        assertThatCode(() -> StoreDirectory.closeQuietly(null)).doesNotThrowAnyException();
    }

    @Test
    void everyOutOfSpaceMessageIsInsufficientStorageAndAnythingElseAnIoError() {
        for (String message : new String[] {"No space left on device", "Disk quota exceeded",
                "There is not enough space on the disk"}) {
            IOException cause = new IOException(message);
            assertThat(InsufficientStorageException.orUnchecked(cause, "no room", "failed"))
                    .as(message).isInstanceOf(InsufficientStorageException.class).hasMessage("no room").hasCause(cause);
        }
        IOException other = new IOException("Input/output error");
        assertThat(InsufficientStorageException.orUnchecked(other, "no room", "failed"))
                .isInstanceOf(UncheckedIOException.class).hasMessage("failed").hasCause(other);
        assertThat(InsufficientStorageException.orUnchecked(new IOException(), "no room", "failed"))
                .as("an exception without a message").isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void forcingADirectoryThatIsNotThereFails() {
        assertThatThrownBy(() -> StoreDirectory.force(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }
}
