package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a data file counts as never made (and is made new) and when it is damage that open must
 * refuse without changing a byte. The files are built byte by byte.
 */
class HeaderedFileTests {

    private static final int HEADER = 64;

    @TempDir
    Path dir;

    private final AtomicInteger headersWritten = new AtomicInteger();
    private final AtomicInteger dependentAsked = new AtomicInteger();

    private final Consumer<ByteBuffer> writeHeader = header -> {
        headersWritten.incrementAndGet();
        header.put(0, (byte) 0x7E);
    };

    private Supplier<Optional<String>> nothingDepends() {
        return () -> {
            dependentAsked.incrementAndGet();
            return Optional.empty();
        };
    }

    private HeaderedFile open(Path path, Supplier<Optional<String>> dependent) {
        return HeaderedFile.open(path, HEADER, FileExtender.ZERO_FILL, Forcer.MSYNC, writeHeader, dependent);
    }

    @Test
    void anAbsentFileIsMadeWithItsHeaderWritten() throws IOException {
        Path path = dir.resolve("data");
        open(path, nothingDepends()).closeAfterFailure();

        assertMadeNew(path);
        assertThat(dependentAsked).hasValue(1);
    }

    /** The file holds exactly a header, the one {@link #writeHeader} wrote, once. */
    private void assertMadeNew(Path path) throws IOException {
        assertThat(headersWritten).hasValue(1);
        assertThat(Files.size(path)).isEqualTo(HEADER);
        assertThat(Files.readAllBytes(path)[0]).isEqualTo((byte) 0x7E);
    }

    @Test
    void aWholeHeaderThatIsNotAllZeroIsKeptAsItIs() throws IOException {
        Path path = dir.resolve("data");
        byte[] bytes = new byte[HEADER];
        bytes[HEADER - 1] = 1; // only the last byte of the header is set
        Files.write(path, bytes);

        HeaderedFile file = open(path, nothingDepends());
        assertThat(file.header.get(HEADER - 1)).isEqualTo((byte) 1);
        file.closeAfterFailure();

        assertThat(headersWritten).as("not made new").hasValue(0);
        assertThat(dependentAsked).as("nothing to ask when the file is whole").hasValue(0);
        assertThat(Files.readAllBytes(path)).isEqualTo(bytes);
    }

    @Test
    void aFileOneByteShorterThanItsHeaderIsMadeNew() throws IOException {
        Path path = dir.resolve("data");
        byte[] bytes = new byte[HEADER - 1];
        bytes[0] = 9;
        Files.write(path, bytes);

        open(path, nothingDepends()).closeAfterFailure();

        assertMadeNew(path);
    }

    @Test
    void anAllZeroHeaderWithOnlyZerosAfterItIsMadeNew() throws IOException {
        Path path = dir.resolve("data");
        Files.write(path, new byte[HEADER * 3]);

        open(path, nothingDepends()).closeAfterFailure();

        assertThat(headersWritten).hasValue(1);
        assertThat(Files.size(path)).as("cut back to its header").isEqualTo(HEADER);
    }

    @Test
    void anAllZeroHeaderWithDataAfterItIsRefusedUnchanged() throws IOException {
        Path path = dir.resolve("data");
        byte[] bytes = new byte[HEADER * 3];
        bytes[bytes.length - 1] = 5; // the very last byte
        Files.write(path, bytes);

        assertThatThrownBy(() -> open(path, nothingDepends())).isInstanceOf(StoreFormatException.class)
                .hasMessageContaining("all-zero header").hasMessageContaining("holds data after it");
        assertThat(Files.readAllBytes(path)).isEqualTo(bytes);
        assertThat(headersWritten).hasValue(0);
    }

    @Test
    void aFileSomethingDependsOnIsNeverMadeNew() throws IOException {
        Path path = dir.resolve("data");
        Files.write(path, new byte[10]);

        assertThatThrownBy(() -> open(path, () -> Optional.of("the log holds records")))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining("is shorter than its header (10 bytes)")
                .hasMessageContaining("the log holds records");
        assertThat(Files.readAllBytes(path)).isEqualTo(new byte[10]);

        Path absent = dir.resolve("absent");
        assertThatThrownBy(() -> open(absent, () -> Optional.of("slots vouch for it")))
                .isInstanceOf(StoreFormatException.class).hasMessageContaining("is missing");
        assertThat(absent).doesNotExist();
    }

    @Test
    void isZeroLooksAtEveryByteOfTheRangeAndOnlyThem() throws IOException {
        Path path = dir.resolve("data");
        int length = (1 << 16) * 2 + 100; // more than one read buffer
        byte[] bytes = new byte[length];
        bytes[(1 << 16) + 3] = 1;
        Files.write(path, bytes);

        assertThat(HeaderedFile.isZero(path, 0, length)).isFalse();
        assertThat(HeaderedFile.isZero(path, 0, (1 << 16) + 3)).as("stops before the set byte").isTrue();
        assertThat(HeaderedFile.isZero(path, (1 << 16) + 4, length)).as("starts after it").isTrue();
        assertThat(HeaderedFile.isZero(path, (1 << 16) + 3, (1 << 16) + 4)).isFalse();
        assertThat(HeaderedFile.isZero(path, length, length + 1000)).as("past the end reads as zero").isTrue();
    }

    @Test
    void closingAfterAFailedOpenClosesTheChannel() {
        HeaderedFile file = open(dir.resolve("data"), nothingDepends());
        assertThat(file.channel.isOpen()).isTrue();
        file.closeAfterFailure();
        assertThat(file.channel.isOpen()).isFalse();
        StoreDirectory.closeQuietly(null); // nothing to close: no failure
    }

    @Test
    void aFullDiskOnOpenIsInsufficientStorageAndOtherFailuresAreIoErrors() {
        Path path = dir.resolve("data");
        assertThat(HeaderedFile.openFailure(path, new IOException("No space left on device")))
                .isInstanceOf(InsufficientStorageException.class).hasMessageContaining(path.toString());
        assertThat(HeaderedFile.openFailure(path, new IOException("Input/output error")))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(path.toString());
    }
}
