package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production {@link Forcer} really calls msync with the range it is given: the tests that
 * record forces delegate to it, so a forcer that did nothing would pass them all.
 */
class ForcerTests {

    private static final int BYTES = 8192;

    @TempDir
    Path dir;

    private MappedByteBuffer map(Path file) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, BYTES);
        }
    }

    @Test
    void msyncForcesARangeOfAMappedChunk() throws Exception {
        Path file = dir.resolve("data");
        MappedByteBuffer chunk = map(file);
        chunk.put(100, (byte) 1);
        assertThatCode(() -> Forcer.MSYNC.force(file, 0, chunk, 0, BYTES)).doesNotThrowAnyException();
        MappedChunks.Unmapper.unmap(chunk);
    }

    @Test
    void msyncReachesTheKernel() throws Exception {
        Path file = dir.resolve("data");
        MappedByteBuffer chunk = map(file);
        // Unmapped behind the buffer's back: msync of its range fails (ENOMEM), so only a forcer
        // that really makes the call notices. Nothing reads or writes the buffer afterwards.
        MappedChunks.Unmapper.unmap(chunk);
        assertThatThrownBy(() -> Forcer.MSYNC.force(file, 0, chunk, 4096, 4096))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void msyncRefusesARangeOutsideTheChunk() throws Exception {
        Path file = dir.resolve("data");
        MappedByteBuffer chunk = map(file);
        try {
            assertThatThrownBy(() -> Forcer.MSYNC.force(file, 0, chunk, BYTES - 64, 128))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            MappedChunks.Unmapper.unmap(chunk);
        }
    }
}
