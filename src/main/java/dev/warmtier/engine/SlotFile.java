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

/**
 * The slot file: a header page and fixed-size slots, mapped in chunks of whole slots. It owns the
 * file from open to close; the layout of the bytes is {@link SlotLayout}'s.
 */
final class SlotFile implements AutoCloseable {

    static final String FILE_NAME = "slots.dat";

    private final Path path;
    private final FileChannel channel;
    private final MappedByteBuffer header;
    private final MappedChunks chunks;
    private final int slotSize;
    private final int dimension;
    private final int slotsPerChunk;
    private final long createdAt;

    private SlotFile(Path path, FileChannel channel, MappedByteBuffer header, int slotSize, int dimension,
                     int slotsPerChunk, long createdAt, FileExtender extender) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.slotSize = slotSize;
        this.dimension = dimension;
        this.slotsPerChunk = slotsPerChunk;
        this.createdAt = createdAt;
        this.chunks = new MappedChunks(path, channel, SlotLayout.HEADER_BYTES, slotSize * slotsPerChunk, extender);
    }

    /**
     * Opens the slot file in {@code dir}, creating it when absent.
     *
     * @throws StoreFormatException when the file is not a slot file or was made for another dimension
     */
    static SlotFile open(Path dir, StoreOptions options, FileExtender extender, long now) {
        Path path = dir.resolve(FILE_NAME);
        boolean fresh = !Files.exists(path);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (!fresh && channel.size() < SlotLayout.HEADER_BYTES) {
                // A crash while the file was first made: nothing was ever stored in it.
                fresh = true;
            }
            if (fresh) {
                channel.truncate(0);
                extender.extend(channel, 0, SlotLayout.HEADER_BYTES);
            }
            MappedByteBuffer header = channel.map(FileChannel.MapMode.READ_WRITE, 0, SlotLayout.HEADER_BYTES);
            header.order(ByteOrder.LITTLE_ENDIAN);
            int dimension = options.embeddingDimension();
            int slotSize = SlotLayout.slotSize(dimension);
            if (fresh) {
                SlotLayout.writeHeader(header, slotSize, dimension, now, options.slotsPerChunk());
                header.force();
            } else {
                validateHeader(path, header, dimension);
            }
            SlotFile file = new SlotFile(path, channel, header, slotSize, dimension,
                    SlotLayout.headerSlotsPerChunk(header), SlotLayout.headerCreatedAt(header), extender);
            file.chunks.mapExisting();
            file.chunks.ensure(0);
            return file;
        } catch (IOException e) {
            closeQuietly(channel);
            if (MappedChunks.isOutOfSpace(e)) {
                throw new InsufficientStorageException("no room to create " + path, e);
            }
            throw new UncheckedIOException("cannot open " + path, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void validateHeader(Path path, ByteBuffer header, int dimension) {
        if (SlotLayout.headerMagic(header) != SlotLayout.MAGIC) {
            throw new StoreFormatException(path + " is not a warmtier slot file (bad magic)");
        }
        if (SlotLayout.headerStoredChecksum(header) != SlotLayout.headerChecksum(header)) {
            throw new StoreFormatException(path + " has a damaged header (checksum mismatch)");
        }
        if (SlotLayout.headerFormat(header) != SlotLayout.FORMAT_VERSION) {
            throw new StoreFormatException(path + " has format version " + SlotLayout.headerFormat(header)
                    + "; this build reads version " + SlotLayout.FORMAT_VERSION);
        }
        int stored = SlotLayout.headerDimension(header);
        if (stored != dimension) {
            throw new StoreFormatException("embedding dimension mismatch: " + path.getParent()
                    + " was created with embedding dimension " + stored + " but is being opened with "
                    + dimension + "; the dimension is fixed for the life of a data dir");
        }
        if (SlotLayout.headerSlotSize(header) != SlotLayout.slotSize(stored)) {
            throw new StoreFormatException(path + " has slot size " + SlotLayout.headerSlotSize(header)
                    + ", expected " + SlotLayout.slotSize(stored));
        }
        int slotsPerChunk = SlotLayout.headerSlotsPerChunk(header);
        if (slotsPerChunk < 1 || (long) slotsPerChunk * SlotLayout.slotSize(stored) > StoreOptions.MAX_CHUNK_BYTES) {
            throw new StoreFormatException(path + " has an invalid chunk size of " + slotsPerChunk + " slots");
        }
    }

    Path path() {
        return path;
    }

    int slotSize() {
        return slotSize;
    }

    int dimension() {
        return dimension;
    }

    long createdAt() {
        return createdAt;
    }

    /** Slots the mapped chunks hold. */
    long capacity() {
        return (long) chunks.count() * slotsPerChunk;
    }

    /** Makes the chunk holding {@code slot} exist; the one thread that grows does the I/O. */
    void ensure(long slot) {
        chunks.ensure(chunkIndex(slot));
    }

    /** The mapped chunk holding {@code slot}, which must be below {@link #capacity()}. */
    ByteBuffer chunkOf(long slot) {
        return chunks.chunk(chunkIndex(slot)).buffer;
    }

    /** Byte offset of {@code slot} inside its chunk. */
    int baseOf(long slot) {
        return (int) (slot % slotsPerChunk) * slotSize;
    }

    void markDirty(long slot) {
        chunks.chunk(chunkIndex(slot)).markDirty();
    }

    void force(long slot) {
        chunks.force(chunkIndex(slot), baseOf(slot), slotSize);
    }

    void forceDirty() {
        chunks.forceDirty();
    }

    int dirtyChunks() {
        return chunks.dirtyCount();
    }

    long forces() {
        return chunks.forces();
    }

    void forceAll() {
        chunks.forceAll();
    }

    private int chunkIndex(long slot) {
        return Math.toIntExact(slot / slotsPerChunk);
    }

    @Override
    public void close() {
        chunks.forceAll();
        chunks.unmapAll();
        MappedChunks.Unmapper.unmap(header);
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing after a failure; the first failure is the one reported.
            }
        }
    }
}
