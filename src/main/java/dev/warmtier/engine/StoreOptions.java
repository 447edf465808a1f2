package dev.warmtier.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Settings of one store. Everything that shapes the files on disk (dimension, chunk series) is
 * checked against the files when they are reopened; the chunk series of an existing file are the
 * ones its header records, whatever these say.
 *
 * @param embeddingDimension floats per embedding, fixed for the life of the files
 * @param durability         what an acknowledged write survives
 * @param syncInterval       flush period for {@link Durability#INTERVAL}
 * @param maxContentBytes    largest content, in UTF-8 bytes, of one memory
 * @param slotChunks         chunk sizes of a new slot file, in slots
 * @param contentChunks      chunk sizes of a new content log, in bytes; its largest chunk holds the
 *                           largest record
 * @param growAhead          once a write reaches the second half of a file's last chunk, grow the
 *                           next chunk on the I/O thread, so writes rarely wait for a zero-fill
 * @param allocatorFactory   makes the slot allocator from the recovered next-slot mark; a seam for
 *                           tests that plug in a deliberately racy allocator
 * @param forcer             makes ranges of the mapped files durable; a seam for tests that
 *                           record which ranges are forced, when and on which thread
 * @param compactors         makes the compactor of a store; a seam for tests that plug in a
 *                           deliberately broken compaction
 * @param scorer             the dot-product loop recall runs ({@link VectorScorers#best()} by default)
 * @param recallThreads      threads one recall scans with, the caller's included (the available
 *                           processors by default)
 */
public record StoreOptions(
        int embeddingDimension,
        Durability durability,
        Duration syncInterval,
        int maxContentBytes,
        ChunkSeries slotChunks,
        ChunkSeries contentChunks,
        boolean growAhead,
        LongFunction<SlotAllocator> allocatorFactory,
        Forcer forcer,
        Function<MemoryStore, Compactor> compactors,
        VectorScorer scorer,
        int recallThreads) {

    public static final int DEFAULT_DIMENSION = 768;
    public static final int DEFAULT_MAX_CONTENT_BYTES = 1 << 20;
    /** Bytes of the first chunk of either file: a new space costs little more than this twice. */
    public static final int FIRST_CHUNK_BYTES = 64 << 10;
    /**
     * Bytes of the largest chunk of either file by default (unless a record needs more): the most
     * one growth zero-fills, and the step a full disk must have room for before writes resume.
     */
    public static final int DEFAULT_MAX_CHUNK_BYTES = 16 << 20;
    /** Keeps one mapping per chunk well under the 2 GiB limit of a MappedByteBuffer. */
    public static final long MAX_CHUNK_BYTES = 1L << 30;

    public StoreOptions {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(syncInterval, "syncInterval");
        Objects.requireNonNull(slotChunks, "slotChunks");
        Objects.requireNonNull(contentChunks, "contentChunks");
        Objects.requireNonNull(allocatorFactory, "allocatorFactory");
        Objects.requireNonNull(forcer, "forcer");
        Objects.requireNonNull(compactors, "compactors");
        Objects.requireNonNull(scorer, "scorer");
        if (recallThreads < 1) {
            throw new IllegalArgumentException("recallThreads must be at least 1, was " + recallThreads);
        }
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
        if (slotChunks.max() > MAX_CHUNK_BYTES / SlotLayout.slotSize(embeddingDimension)) {
            throw new IllegalArgumentException("slotChunks must keep a chunk under " + MAX_CHUNK_BYTES
                    + " bytes, was " + slotChunks);
        }
        long largestRecord = ContentRecordLayout.recordLength(ContentRecordLayout.MAX_ID_BYTES, maxContentBytes);
        if (contentChunks.max() < largestRecord || contentChunks.max() > MAX_CHUNK_BYTES
                || contentChunks.first() % ContentRecordLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("contentChunks must start at a multiple of " + ContentRecordLayout.ALIGNMENT
                    + " and reach a chunk between the largest record (" + largestRecord + ") and " + MAX_CHUNK_BYTES
                    + " bytes, was " + contentChunks);
        }
    }

    /** Production defaults: 768 dimensions, interval durability every 100 ms, atomic allocation. */
    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_DIMENSION, Durability.INTERVAL, Duration.ofMillis(100),
                DEFAULT_MAX_CONTENT_BYTES, slotChunks(DEFAULT_DIMENSION, FIRST_CHUNK_BYTES, DEFAULT_MAX_CHUNK_BYTES),
                contentChunks(FIRST_CHUNK_BYTES, DEFAULT_MAX_CHUNK_BYTES, DEFAULT_MAX_CONTENT_BYTES), true,
                AtomicSlotAllocator::new, Forcer.MSYNC, Compactor::new,
                VectorScorers.best(), Runtime.getRuntime().availableProcessors());
    }

    /** Slot chunks of about {@code firstBytes}, doubling up to at most {@code maxBytes} (whole slots, at least one). */
    public static ChunkSeries slotChunks(int dimension, long firstBytes, long maxBytes) {
        int slotSize = SlotLayout.slotSize(dimension);
        return ChunkSeries.doubling(Math.max(1, firstBytes / slotSize), Math.max(1, maxBytes / slotSize), 1);
    }

    /** Content chunks from {@code firstBytes}, doubling up to {@code maxBytes} or the largest record, if larger. */
    public static ChunkSeries contentChunks(long firstBytes, long maxBytes, int maxContentBytes) {
        return ChunkSeries.doubling(firstBytes, maxBytes, ContentRecordLayout.alignedChunkFor(maxContentBytes));
    }

    /** Another dimension, keeping the slot chunks' sizes in bytes (so their slot counts change). */
    public StoreOptions withEmbeddingDimension(int dimension) {
        if (dimension < 1 || dimension > SlotLayout.MAX_DIMENSION) {
            throw new IllegalArgumentException("embeddingDimension must be in 1.." + SlotLayout.MAX_DIMENSION
                    + ", was " + dimension);
        }
        int slotSize = SlotLayout.slotSize(embeddingDimension);
        ChunkSeries slots = slotChunks.doublings() == 0
                ? ChunkSeries.fixed(Math.max(1, slotChunks.first() * slotSize / SlotLayout.slotSize(dimension)))
                : slotChunks(dimension, slotChunks.first() * slotSize, slotChunks.max() * slotSize);
        return new StoreOptions(dimension, durability, syncInterval, maxContentBytes, slots, contentChunks,
                growAhead, allocatorFactory, forcer, compactors, scorer, recallThreads);
    }

    public StoreOptions withDurability(Durability mode, Duration interval) {
        return new StoreOptions(embeddingDimension, mode, interval, maxContentBytes, slotChunks, contentChunks,
                growAhead, allocatorFactory, forcer, compactors, scorer, recallThreads);
    }

    /** Another content limit; the content chunks keep their first size and grow to hold the largest record. */
    public StoreOptions withMaxContentBytes(int bytes) {
        ChunkSeries content = contentChunks.doublings() == 0
                ? ChunkSeries.fixed(Math.max(contentChunks.first(), ContentRecordLayout.alignedChunkFor(bytes)))
                : contentChunks(contentChunks.first(), contentChunks.max(), bytes);
        return new StoreOptions(embeddingDimension, durability, syncInterval, bytes, slotChunks, content,
                growAhead, allocatorFactory, forcer, compactors, scorer, recallThreads);
    }

    /** Chunks of one size in both files: {@code slots} slots, {@code contentBytes} bytes. */
    public StoreOptions withChunks(int slots, int contentBytes) {
        return withChunks(ChunkSeries.fixed(slots), ChunkSeries.fixed(contentBytes));
    }

    public StoreOptions withChunks(ChunkSeries slots, ChunkSeries content) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slots, content,
                growAhead, allocatorFactory, forcer, compactors, scorer, recallThreads);
    }

    /** With or without growing the next chunk in the background; tests that count growth steps turn it off. */
    public StoreOptions withGrowAhead(boolean enabled) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slotChunks,
                contentChunks, enabled, allocatorFactory, forcer, compactors, scorer, recallThreads);
    }

    public StoreOptions withAllocator(LongFunction<SlotAllocator> factory) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slotChunks,
                contentChunks, growAhead, factory, forcer, compactors, scorer, recallThreads);
    }

    /** Another way to force ranges to disk; tests record the forces with it. */
    public StoreOptions withForcer(Forcer replacement) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slotChunks,
                contentChunks, growAhead, allocatorFactory, replacement, compactors, scorer, recallThreads);
    }

    /** Another compactor; tests plug in deliberately broken ones to show the checks catch them. */
    StoreOptions withCompactors(Function<MemoryStore, Compactor> factory) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slotChunks,
                contentChunks, growAhead, allocatorFactory, forcer, factory, scorer, recallThreads);
    }

    /** Another recall loop and number of threads per recall; tests and benchmarks compare the paths with it. */
    public StoreOptions withRecall(VectorScorer loop, int threads) {
        return new StoreOptions(embeddingDimension, durability, syncInterval, maxContentBytes, slotChunks,
                contentChunks, growAhead, allocatorFactory, forcer, compactors, loop, threads);
    }
}
