package dev.warmtier.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An open data file with its header page mapped: the part that the slot file and the content log
 * open and close the same way. What the header says, and the chunks after it, are theirs.
 *
 * <p>A new file gets its header before anything else is written to it, forced, so a crash while
 * it is made leaves a file that is absent, shorter than its header, or whose header is all zero,
 * and nothing after it. Open treats such a file as new, unless something else in the store depends
 * on it (the slot file vouches for records of the content log, the log holds records for slots):
 * then it is damage, and open refuses and changes nothing.
 *
 * <p>Threads: opened and closed by the thread opening or closing the store; in between its fields
 * are final and its header is only read.
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
     * Opens {@code path}, making it new when it is absent or its header was never completed and
     * nothing depends on it: a new file gets its header from {@code writeHeader}, forced before
     * anything else is written.
     *
     * @param dependent what in the store depends on this file, if anything; asked only when the
     *                  file would be made new
     * @throws StoreFormatException          when the file would be made new but holds data after its
     *                                       header, or something depends on it; nothing is changed
     * @throws InsufficientStorageException when there is no room for the header
     */
    static HeaderedFile open(Path path, int headerBytes, FileExtender extender, Forcer forcer,
                             Consumer<ByteBuffer> writeHeader, Supplier<Optional<String>> dependent) {
        FileChannel channel = null;
        try {
            boolean exists = Files.exists(path);
            boolean fresh = !exists || !headerWritten(path, headerBytes);
            if (fresh) {
                refuseToStartOver(path, headerBytes, exists, dependent);
            }
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (fresh) {
                channel.truncate(0);
                extender.extend(channel, 0, headerBytes);
            }
            MappedByteBuffer header = channel.map(FileChannel.MapMode.READ_WRITE, 0, headerBytes);
            header.order(ByteOrder.LITTLE_ENDIAN);
            if (fresh) {
                writeHeader.accept(header);
                forcer.force(path, 0, header, 0, headerBytes);
                // The new file's directory entry is only durable once the directory is forced.
                forcer.forceDirectory(path.toAbsolutePath().getParent());
            }
            return new HeaderedFile(path, channel, header);
        } catch (IOException e) {
            StoreDirectory.closeQuietly(channel);
            throw openFailure(path, e);
        } catch (RuntimeException e) {
            StoreDirectory.closeQuietly(channel);
            throw e;
        }
    }

    /** True when the file holds a whole header that is not all zero (whether it is valid is the owner's to check). */
    private static boolean headerWritten(Path path, int headerBytes) throws IOException {
        if (Files.size(path) < headerBytes) {
            return false;
        }
        return !isZero(path, 0, headerBytes);
    }

    private static void refuseToStartOver(Path path, int headerBytes, boolean exists, Supplier<Optional<String>> dependent)
            throws IOException {
        String state = !exists ? "is missing"
                : Files.size(path) < headerBytes ? "is shorter than its header (" + Files.size(path) + " bytes)"
                : "has an all-zero header";
        Optional<String> depends = dependent.get();
        if (depends.isPresent()) {
            throw new StoreFormatException(path + " " + state + ", but " + depends.get()
                    + "; refusing to open the store (nothing was changed). Restore the file from a backup");
        }
        if (exists && Files.size(path) > headerBytes && !isZero(path, headerBytes, Files.size(path))) {
            throw new StoreFormatException(path + " " + state + " but holds data after it; refusing to open the"
                    + " store (nothing was changed). Restore the file from a backup");
        }
    }

    /** True when every byte of {@code [from, to)} of the file is zero. */
    static boolean isZero(Path path, long from, long to) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long at = from;
            while (at < to) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), to - at));
                int read = channel.read(buffer, at);
                if (read < 0) {
                    return true;
                }
                for (int i = 0; i < read; i++) {
                    if (buffer.get(i) != 0) {
                        return false;
                    }
                }
                at += read;
            }
            return true;
        }
    }

    /**
     * Forces and unmaps the chunks and the header, then closes the file. The channel is closed
     * and the header unmapped even when forcing fails; the first failure is thrown.
     */
    void close(MappedChunks chunks) {
        try {
            chunks.forceAll();
        } finally {
            try {
                chunks.unmapAll();
                MappedChunks.Unmapper.unmap(header);
            } finally {
                StoreDirectory.closeQuietly(channel);
            }
        }
    }

    /**
     * Unmaps the chunks and the header and closes the file without forcing anything: for files that
     * are deleted next (a superseded or abandoned generation), whose unforced writes matter to no one.
     */
    void discard(MappedChunks chunks) {
        try {
            chunks.unmapAll();
            MappedChunks.Unmapper.unmap(header);
        } finally {
            StoreDirectory.closeQuietly(channel);
        }
    }

    /** Closes the file after a failed open, keeping the first failure the one reported. */
    void closeAfterFailure() {
        MappedChunks.Unmapper.unmap(header);
        StoreDirectory.closeQuietly(channel);
    }

    /** What a failed open of one of the store's files throws: 507 when the disk is full, else an I/O error. */
    static RuntimeException openFailure(Path path, IOException e) {
        return InsufficientStorageException.orUnchecked(e, "no room to create " + path, "cannot open " + path);
    }
}
