package dev.warmtier.engine;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Writes a range of a mapped chunk through to the disk: every force the store makes, in every
 * durability mode, goes through one of these, so that tests can see which ranges were forced, in
 * which order and on which thread (a force that reaches no disk is invisible to any other test:
 * a killed process loses nothing from the page cache).
 */
@FunctionalInterface
public interface Forcer {

    /**
     * Forces {@code length} bytes of {@code chunk} from {@code offset} (relative to the chunk) to
     * the disk holding {@code file}; the chunk is mapped from byte {@code chunkStart} of the file.
     * Returns once the range is on the disk.
     */
    void force(Path file, long chunkStart, MappedByteBuffer chunk, int offset, int length);

    /** {@link MappedByteBuffer#force(int, int)}: msync of the pages holding the range. */
    Forcer MSYNC = (file, chunkStart, chunk, offset, length) -> chunk.force(offset, length);
}
