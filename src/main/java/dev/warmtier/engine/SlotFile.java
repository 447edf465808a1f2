package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;
import java.util.function.Supplier;

/**
 * The slot file: a header page and fixed-size slots, mapped in chunks of whole slots whose sizes
 * follow the {@link ChunkSeries} the header records. It owns the file from open to close; the
 * layout of the bytes is {@link SlotLayout}'s.
 *
 * <p>Threads: any writing thread grows the file and writes the slots it claimed; any thread reads
 * committed slots; the opening thread repairs slots before the file is shared, and the closing
 * thread closes it once no operation is under way.
 */
final class SlotFile extends ChunkedFile {

    static final String FILE_NAME = "slots.dat";

    private final int slotSize;
    private final int dimension;
    /** Chunk sizes in slots. */
    private final ChunkSeries series;
    private final long createdAt;

    private SlotFile(HeaderedFile file, SlotLayout.HeaderFields fields, ChunkSeries series, FileExtender extender,
                     Forcer forcer, FileIo io, boolean growAhead) {
        super(file, series.scaled(fields.slotSize()), extender, forcer, io, growAhead);
        this.dimension = fields.dimension();
        this.slotSize = fields.slotSize();
        this.series = series;
        this.createdAt = fields.createdAt();
    }

    /**
     * Opens the slot file in {@code dir}, creating it when absent, or when its header was never
     * completed and {@code dependent} names nothing that depends on it. Maps the chunks the file
     * holds whole; a new file holds none until the first write.
     *
     * @throws StoreFormatException when the file is not a slot file, was made for another
     *                              dimension, has a format this build does not read, or is
     *                              incomplete while something depends on it
     */
    static SlotFile open(Path dir, StoreOptions options, FileExtender extender, FileIo io, long now,
                         Supplier<Optional<String>> dependent) {
        int dimension = options.embeddingDimension();
        HeaderedFile file = HeaderedFile.open(dir.resolve(FILE_NAME), SlotLayout.HEADER_BYTES, extender, options.forcer(),
                header -> SlotLayout.writeHeader(header, SlotLayout.slotSize(dimension), dimension, now,
                        options.slotChunks()), dependent);
        return mapped(file, opened -> {
            SlotLayout.HeaderFields fields = SlotLayout.HeaderFields.of(opened.header);
            ChunkSeries series = validateHeader(opened.path, opened.header, fields, dimension);
            return new SlotFile(opened, fields, series, extender, options.forcer(), io, options.growAhead());
        });
    }

    private static ChunkSeries validateHeader(Path path, ByteBuffer header, SlotLayout.HeaderFields fields,
                                              int dimension) {
        SlotLayout.HEADER.check(path, header);
        int stored = fields.dimension();
        if (stored != dimension) {
            throw new DimensionMismatchException("embedding dimension mismatch: " + path.getParent()
                    + " was created with embedding dimension " + stored + " but is being opened with "
                    + dimension + "; the dimension is fixed for the life of a data dir");
        }
        if (fields.slotSize() != SlotLayout.slotSize(stored)) {
            throw new StoreFormatException(path + " has slot size " + fields.slotSize()
                    + ", expected " + SlotLayout.slotSize(stored));
        }
        ChunkSeries series = SlotLayout.HEADER.checkedChunks(path, header);
        if (series.max() > StoreOptions.MAX_CHUNK_BYTES / SlotLayout.slotSize(stored)) {
            throw new StoreFormatException(path + " has an invalid chunk size of " + series.max() + " slots");
        }
        return series;
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

    /** The format the header states. */
    int format() {
        return SlotLayout.HEADER.format(file.header);
    }

    /** Slots the mapped chunks hold. */
    long capacity() {
        return series.capacity(chunks.count());
    }

    /**
     * Makes the chunk holding {@code slot} exist; the one thread that grows does the I/O. Past the
     * middle of the last chunk, the next one is grown ahead in the background.
     *
     * @throws InsufficientStorageException when the disk has no room for it
     */
    void ensure(long slot) {
        chunks.ensure(series.index(slot));
        chunks.growAhead(slot * slotSize);
    }

    /** The mapped chunk holding {@code slot}, which must be below {@link #capacity()}. */
    ByteBuffer chunkOf(long slot) {
        return chunks.chunk(series.index(slot)).buffer;
    }

    /** The number of the chunk holding {@code slot}; with {@link #firstSlotOf} and {@link #chunk} a scan finds its chunk once per chunk. */
    int chunkIndexOf(long slot) {
        return series.index(slot);
    }

    /** The first slot of chunk {@code index}; the chunk holds {@link #slotsIn} slots from it. */
    long firstSlotOf(int index) {
        return series.start(index);
    }

    long slotsIn(int index) {
        return series.size(index);
    }

    /** Mapped chunk {@code index}, which must be below the chunk count. */
    ByteBuffer chunk(int index) {
        return chunks.chunk(index).buffer;
    }

    /** Byte offset of {@code slot} inside its chunk. */
    int baseOf(long slot) {
        return (int) (slot - series.start(series.index(slot))) * slotSize;
    }

    // ---- one write's slot: fill, publish, read; the order every write and reader follows ----

    /** What {@link #unreadable} says of a slot whose state is not committed. */
    static final String NOT_COMMITTED = "is not committed";
    /** What {@link #unreadable} says of a committed slot whose bytes fail their checksum. */
    static final String FAILS_CHECKSUM = "fails its checksum";

    /**
     * Fills the payload of a claimed, unpublished slot with plain stores and returns its checksum
     * so far; {@code write == null} fills a tombstone.
     */
    static CRC32C fill(ByteBuffer chunk, int base, int slotSize, long recordOffset, int recordLength, int kind,
                       MemoryWrite write) {
        if (write == null) {
            SlotLayout.writePayload(chunk, base, recordOffset, recordLength, kind, 0f, 0f, 0f, null);
        } else {
            SlotLayout.writePayload(chunk, base, recordOffset, recordLength, kind, write.confidence(),
                    write.activation(), write.decayRate(), write.embedding());
        }
        return SlotLayout.payloadChecksum(chunk, base, slotSize);
    }

    /**
     * Writes the fields decided in the per-key step and the checksum, then publishes the slot with
     * the release store of its state: a reader that acquires the committed state sees every byte
     * {@link #fill} and this wrote. The jcstress module runs exactly this against {@link #unreadable}.
     */
    static void publish(ByteBuffer chunk, int base, CRC32C payloadCrc, long version, long createdAt,
                        long updatedAt) {
        SlotLayout.writeVersioned(chunk, base, payloadCrc, version, createdAt, updatedAt);
        SlotLayout.stateOrdered(chunk, base, SlotLayout.STATE_COMMITTED);
    }

    /**
     * Why a reader cannot use the slot ({@link #NOT_COMMITTED}, {@link #FAILS_CHECKSUM}), or null
     * when it can. The state's acquire load comes first: only after it are the other bytes the
     * publisher's.
     */
    static String unreadable(ByteBuffer chunk, int base, int slotSize) {
        if (SlotLayout.stateVolatile(chunk, base) != SlotLayout.STATE_COMMITTED) {
            return NOT_COMMITTED;
        }
        if (SlotLayout.storedChecksum(chunk, base) != SlotLayout.computeChecksum(chunk, base, slotSize)) {
            return FAILS_CHECKSUM;
        }
        return null;
    }

    void markDirty(long slot) {
        chunks.chunk(series.index(slot)).markDirty();
    }

    void force(long slot) {
        chunks.force(series.index(slot), baseOf(slot), slotSize);
    }
}
