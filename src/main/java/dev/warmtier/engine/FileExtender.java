package dev.warmtier.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes a byte range of a file really exist on disk before it is mapped, so that a full disk
 * fails here, as an exception, instead of later as a SIGBUS on a write to a sparse mapping.
 *
 * <p>Threads: called where the file grows, on the store's I/O thread or the opening thread, one
 * growth at a time per file.
 */
@FunctionalInterface
public interface FileExtender {

    void extend(FileChannel channel, long from, long to) throws IOException;

    /** Bytes the file system holding {@code dir} has free for this process; a compaction checks it first. */
    default long usableSpace(Path dir) throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** Writes zeros over the range: the file system must allocate every block now. */
    FileExtender ZERO_FILL = (channel, from, to) -> {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long at = from;
        while (at < to) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - at));
            at += channel.write(zeros, at);
        }
    };
}
