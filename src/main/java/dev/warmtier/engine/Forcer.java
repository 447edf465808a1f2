package dev.warmtier.engine;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Writes data through to the disk: every force the store makes goes through one of these (a range
 * of a mapped chunk or header in every durability mode, a file written through its channel, a
 * directory whose entries changed), so that tests can see what was forced, in which order and on
 * which thread. A force that reaches no disk is invisible to any other test: a killed process
 * loses nothing from the page cache.
 */
@FunctionalInterface
public interface Forcer {

    /**
     * Forces {@code length} bytes of {@code chunk} from {@code offset} (relative to the chunk) to
     * the disk holding {@code file}; the chunk is mapped from byte {@code chunkStart} of the file.
     * Returns once the range is on the disk.
     */
    void force(Path file, long chunkStart, MappedByteBuffer chunk, int offset, int length);

    /**
     * Forces what was written to {@code file} through {@code channel} (fsync, or fdatasync when
     * {@code metadata} is false): the clean-shutdown mark, the version ceiling's records.
     */
    default void forceFile(Path file, FileChannel channel, boolean metadata) throws IOException {
        channel.force(metadata);
    }

    /** Forces the entries of {@code dir}: files created, renamed or deleted in it are durable after this. */
    default void forceDirectory(Path dir) throws IOException {
        StoreDirectory.force(dir);
    }

    /** {@link MappedByteBuffer#force(int, int)}: msync of the pages holding the range. */
    Forcer MSYNC = (file, chunkStart, chunk, offset, length) -> chunk.force(offset, length);
}
