package dev.warmtier.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * Settings of one store. Everything that shapes the files on disk (dimension, chunk sizes) is
 * checked against the files when they are reopened.
 *
 * @param embeddingDimension floats per embedding, fixed for the life of the files
 * @param durability         what an acknowledged write survives
 * @param syncInterval       flush period for {@link Durability#INTERVAL}
 * @param maxContentBytes    largest content, in UTF-8 bytes, of one memory
 * @param slotsPerChunk      slots mapped per chunk of the slot file
 * @param contentChunkBytes  bytes mapped per chunk of the content log; holds the largest record
 * @param allocatorFactory   makes the slot allocator from the recovered next-slot mark; a seam for
 *                           tests that plug in a deliberately racy allocator
 */
public record StoreOptions(
        int embeddingDimension,
        Durability durability,
        Duration syncInterval,
        int maxContentBytes,
        int slotsPerChunk,
        int contentChunkBytes,
        LongFunction<SlotAllocator> allocatorFactory) {

    public static final int DEFAULT_DIMENSION = 768;
    public static final int DEFAULT_MAX_CONTENT_BYTES = 1 << 20;
    /**
     * Bytes per chunk of either file by default: each growth zero-fills one chunk (tens of ms), and
     * a new space pre-allocates one of each.
     */
    public static final int DEFAULT_CHUNK_BYTES = 32 << 20;
    public static final int DEFAULT_CONTENT_CHUNK_BYTES = DEFAULT_CHUNK_BYTES;
    /** Keeps one mapping per chunk well under the 2 GiB limit of a MappedByteBuffer. */
    public static final long MAX_CHUNK_BYTES = 1L << 30;

    public StoreOptions {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(allocatorFactory, "allocatorFactory");
        if (embeddingDimension < 1 || embeddingDimension > SlotLayout.MAX_DIMENSION) {
            throw new IllegalArgumentException("embeddingDimension must be in 1.." + SlotLayout.MAX_DIMENSION
                    + ", was " + embeddingDimension);
        }
        if (durability == Durability.INTERVAL && (syncInterval.isNegative() || syncInterval.isZero())) {
            throw new IllegalArgumentException("syncInterval must be positive, was " + syncInterval);
        }
        if (maxContentBytes < 0 || maxContentBytes > ContentRecordLayout.MAX_CONTENT_BYTES) {
            throw new IllegalArgumentException("maxContentBytes must be in 0.." + ContentRecordLayout.MAX_CONTENT_BYTES
                    + ", was " + maxContentBytes);
        }
        if (slotsPerChunk < 1 || (long) slotsPerChunk * SlotLayout.slotSize(embeddingDimension) > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("slotsPerChunk must be at least 1 and keep a chunk under "
                    + MAX_CHUNK_BYTES + " bytes, was " + slotsPerChunk);
        }
        long largestRecord = ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, maxContentBytes);
        if (contentChunkBytes < largestRecord || contentChunkBytes > MAX_CHUNK_BYTES
                || contentChunkBytes % ContentRecordLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("contentChunkBytes must be a multiple of " + ContentRecordLayout.ALIGNMENT
                    + " between the largest record (" + largestRecord + ") and " + MAX_CHUNK_BYTES
                    + ", was " + contentChunkBytes);
        }
    }

    /** Production defaults: 768 dimensions, interval durability every 100 ms, atomic allocation. */
    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_DIMENSION, Durability.INTERVAL, Duration.ofMillis(100),
                DEFAULT_MAX_CONTENT_BYTES, slotsPerChunk(DEFAULT_DIMENSION, DEFAULT_CHUNK_BYTES),
                DEFAULT_CONTENT_CHUNK_BYTES, AtomicSlotAllocator::new);
    }

    /** Whole slots of the given dimension in a chunk of at most {@code chunkBytes} (at least one). */
    public static int slotsPerChunk(int dimension, long chunkBytes) {
        return (int) Math.max(1, chunkBytes / SlotLayout.slotSize(dimension));
    }

    /** Another dimension, keeping the slot chunk's size in bytes (so its slot count changes). */
    public StoreOptions withEmbeddingDimension(int dimension) {
        if (dimension < 1 || dimension > SlotLayout.MAX_DIMENSION) {
            throw new IllegalArgumentException("embeddingDimension must be in 1.." + SlotLayout.MAX_DIMENSION
                    + ", was " + dimension);
        }
        long chunkBytes = (long) slotsPerChunk * SlotLayout.slotSize(embeddingDimension);
        return new StoreOptions(dimension, durability, syncInterval, maxContentBytes,
                slotsPerChunk(dimension, chunkBytes), contentChunkBytes, allocatorFactory);
    }

    public StoreOptions withDurability(Durability mode, Duration interval) {
        return new StoreOptions(embeddingDimension, mode, interval, maxContentBytes, slotsPerChunk,
                contentChunkBytes, allocatorFactory);
    }

    public StoreOptions withMaxContentBytes(int bytes) {
        int chunk = Math.max(contentChunkBytes, Math.toIntExact(ContentRecordLayout.alignedChunkFor(bytes)));
        return new StoreOptions(embeddingDimension, durability, syncInterval, bytes, slotsPerChunk,
                chunk, allocatorFactory);
    }

    public StoreOptions withChunks(int slots, int contentBytes) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slots,
                contentBytes, allocatorFactory);
    }

    public StoreOptions withAllocator(LongFunction<SlotAllocator> factory) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slotsPerChunk,
                contentChunkBytes, factory);
    }
}
