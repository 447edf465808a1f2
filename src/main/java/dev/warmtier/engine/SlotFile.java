package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The slot file: a header page and fixed-size slots, mapped in chunks of whole slots. It owns the
 * file from open to close; the layout of the bytes is {@link SlotLayout}'s.
 */
final class SlotFile implements AutoCloseable {

    static final String FILE_NAME = "slots.dat";

    private final HeaderedFile file;
    private final MappedChunks chunks;
    private final int slotSize;
    private final int dimension;
    private final int slotsPerChunk;
    private final long createdAt;

    private SlotFile(HeaderedFile file, FileExtender extender) {
        this.file = file;
        this.dimension = SlotLayout.headerDimension(file.header);
        this.slotSize = SlotLayout.headerSlotSize(file.header);
        this.slotsPerChunk = SlotLayout.headerSlotsPerChunk(file.header);
        this.createdAt = SlotLayout.headerCreatedAt(file.header);
        this.chunks = new MappedChunks(file.path, file.channel, SlotLayout.HEADER_BYTES, slotSize * slotsPerChunk,
                extender);
    }

    /**
     * Opens the slot file in {@code dir}, creating it when absent.
     *
     * @throws StoreFormatException when the file is not a slot file or was made for another dimension
     */
    static SlotFile open(Path dir, StoreOptions options, FileExtender extender, long now) {
        int dimension = options.embeddingDimension();
        HeaderedFile file = HeaderedFile.open(dir.resolve(FILE_NAME), SlotLayout.HEADER_BYTES, extender,
                header -> SlotLayout.writeHeader(header, SlotLayout.slotSize(dimension), dimension, now,
                        options.slotsPerChunk()));
        try {
            validateHeader(file.path, file.header, dimension);
            SlotFile slots = new SlotFile(file, extender);
            slots.chunks.mapExisting();
            slots.chunks.ensure(0);
            return slots;
        } catch (RuntimeException e) {
            file.closeAfterFailure();
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
        return file.path;
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

    long growths() {
        return chunks.growths();
    }

    void forceAll() {
        chunks.forceAll();
    }

    private int chunkIndex(long slot) {
        return Math.toIntExact(slot / slotsPerChunk);
    }

    @Override
    public void close() {
        file.close(chunks);
    }
}
