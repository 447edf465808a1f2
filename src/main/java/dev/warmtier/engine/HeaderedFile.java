package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * An open data file with its header page mapped: the part that the slot file and the content log
 * open and close the same way. What the header says, and the chunks after it, are theirs.
 */
final class HeaderedFile {

    final Path path;
    final FileChannel channel;
    final MappedByteBuffer header;

    private HeaderedFile(Path path, FileChannel channel, MappedByteBuffer header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /**
     * Opens {@code path}, creating it when absent (or when a crash left it shorter than its
     * header, in which case nothing was ever stored in it): a new file gets its header from
     * {@code writeHeader}, forced before anything else is written.
     *
     * @throws InsufficientStorageException when there is no room for the header
     */
    static HeaderedFile open(Path path, int headerBytes, FileExtender extender, Consumer<ByteBuffer> writeHeader) {
        FileChannel channel = null;
        try {
            boolean fresh = !Files.exists(path);
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (fresh || channel.size() < headerBytes) {
                fresh = true;
                channel.truncate(0);
                extender.extend(channel, 0, headerBytes);
            }
            MappedByteBuffer header = channel.map(FileChannel.MapMode.READ_WRITE, 0, headerBytes);
            header.order(ByteOrder.LITTLE_ENDIAN);
            if (fresh) {
                writeHeader.accept(header);
                header.force();
                // The new file's directory entry is only durable once the directory is forced.
                CleanShutdown.forceDirectory(path.toAbsolutePath().getParent());
            }
            return new HeaderedFile(path, channel, header);
        } catch (IOException e) {
            closeQuietly(channel);
            throw openFailure(path, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Forces and unmaps the chunks and the header, then closes the file. */
    void close(MappedChunks chunks) {
        chunks.forceAll();
        chunks.unmapAll();
        MappedChunks.Unmapper.unmap(header);
        closeQuietly(channel);
    }

    /** Closes the file after a failed open, keeping the first failure the one reported. */
    void closeAfterFailure() {
        MappedChunks.Unmapper.unmap(header);
        closeQuietly(channel);
    }

    /** What a failed open of one of the store's files throws: 507 when the disk is full, else an I/O error. */
    static RuntimeException openFailure(Path path, IOException e) {
        if (MappedChunks.isOutOfSpace(e)) {
            return new InsufficientStorageException("no room to create " + path, e);
        }
        return new UncheckedIOException("cannot open " + path, e);
    }

    /** Closes a channel whose close has nothing left to report (after a failure, or with nothing unforced). */
    static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing after a failure; the first failure is the one reported.
            }
        }
    }
}
