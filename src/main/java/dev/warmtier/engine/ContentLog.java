package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;

/**
 * The content log: append-only records holding each write's id and content, mapped in chunks.
 * It owns the file from open to close and recovers it ({@link #recover}); the layout of the
 * bytes is {@link ContentRecordLayout}'s.
 *
 * <p>Chunks follow the {@link ChunkSeries} the header records. An append reserves its range under
 * the tail lock (one short critical section that also grows the file when a chunk fills), then
 * writes and commits the payload outside it, so appends copy their bytes in parallel. Readers of
 * committed records take no lock.
 *
 * <p>Threads: any writing thread appends, concurrently; any thread reads committed records and the
 * tail; the opening thread recovers the log before it is shared, and the closing thread closes it
 * once no operation is under way.
 */
final class ContentLog extends ChunkedFile {

    static final String FILE_NAME = "content.log";

    /** A committed record's id and content, as stored. */
    record Entry(byte[] id, byte[] content) {
    }

    /**
     * What recovery found in the log.
     *
     * @param bridgedBytes bytes of holes before vouched records, made padding
     */
    record Recovery(long tail, long abandonedReservations, long truncatedBytes, long bridgedBytes,
                    long invalidRecordOffset) {
    }

    /** What a scan of the log up to its tail found. */
    record Scan(long tail, long records, long recordBytes, long checksumFailures, long mismatchBytes) {
    }

    /** Chunk sizes in bytes. */
    private final ChunkSeries series;
    /**
     * Guards {@link #tail} and growth. Writers reserve under the write lock; readers of the tail
     * use an optimistic read, which is safe because the tail is a plain long in the heap (never
     * unmappable memory) and a torn read is thrown away by {@code validate}.
     */
    private final StampedLock tailLock = new StampedLock();
    /** Logical offset where the next record starts; guarded by {@link #tailLock}. */
    private long tail;

    private ContentLog(HeaderedFile file, ChunkSeries series, FileExtender extender, Forcer forcer, FileIo io,
                       boolean growAhead) {
        super(file, series, extender, forcer, io, growAhead);
        this.series = series;
    }

    /**
     * Opens the content log in {@code dir}, creating it when absent, or when its header was never
     * completed and {@code dependent} names nothing that depends on it. Maps the chunks the file
     * holds whole; a new log holds none until the first append.
     */
    static ContentLog open(Path dir, StoreOptions options, FileExtender extender, FileIo io, long now,
                           Supplier<Optional<String>> dependent) {
        HeaderedFile file = HeaderedFile.open(dir.resolve(FILE_NAME), ContentRecordLayout.HEADER_BYTES, extender,
                options.forcer(), header -> ContentRecordLayout.writeHeader(header, options.contentChunks(), now), dependent);
        return mapped(file, opened -> new ContentLog(opened, validateHeader(opened.path, opened.header, options),
                extender, options.forcer(), io, options.growAhead()));
    }

    private static ChunkSeries validateHeader(Path path, ByteBuffer header, StoreOptions options) {
        ContentRecordLayout.HEADER.check(path, header);
        ChunkSeries series = ContentRecordLayout.HEADER.checkedChunks(path, header);
        long needed = ContentRecordLayout.alignedChunkFor(options.maxContentBytes());
        if (series.max() < needed || series.first() % ContentRecordLayout.ALIGNMENT != 0
                || series.max() > StoreOptions.MAX_CHUNK_BYTES) {
            throw new StoreFormatException(path + " has chunks of at most " + series.max() + " bytes, which cannot hold"
                    + " a record of " + options.maxContentBytes() + " content bytes (needs " + needed + ")");
        }
        return series;
    }

    /**
     * Appends a committed record holding {@code id} and {@code content}.
     *
     * @param headroom bytes that must still fit after the record, in the mapped chunks, once it is
     *                 appended: room kept for appends that pass none (deletes, while the disk is full)
     * @return the record's logical offset; its length is {@link ContentRecordLayout#recordLength}
     * @throws InsufficientStorageException when the log had to grow and the disk had no room; then
     *                                      nothing was written and the tail did not move
     */
    long append(byte[] id, byte[] content, int headroom) {
        int length = ContentRecordLayout.recordLength(id.length, content.length);
        long at = reserve(length, headroom);
        MappedChunks.Chunk chunk = chunks.chunk(series.index(at));
        int pos = positionOf(at);
        boolean committed = false;
        try {
            ContentRecordLayout.writePayload(chunk.buffer, pos, id, content);
            ContentRecordLayout.stateOrdered(chunk.buffer, pos, ContentRecordLayout.STATE_COMMITTED);
            committed = true;
        } finally {
            if (!committed) {
                // The length is already there, so the log stays walkable past this record.
                ContentRecordLayout.stateOrdered(chunk.buffer, pos, ContentRecordLayout.STATE_PADDING);
            }
            chunk.markDirty();
        }
        return at;
    }

    /**
     * Claims {@code length} bytes at the tail, padding to the start of the first chunk that holds
     * them whole when the current one does not. Every chunk needed (for the record and the
     * headroom) is made to exist before anything is written, so a full disk leaves the log as it was.
     */
    private long reserve(int length, int requestedHeadroom) {
        // Headroom past the largest chunk could never be placed; a chunk that large is enough.
        int headroom = (int) Math.min(requestedHeadroom, series.max());
        long stamp = tailLock.writeLock();
        try {
            long at = placement(tail, length);
            long end = at + length;
            int last = series.index(end - 1);
            if (headroom > 0) {
                last = Math.max(last, series.index(placement(end, headroom) + headroom - 1));
            }
            chunks.ensure(last);
            chunks.growAhead(end);
            padRange(tail, at);
            // The record's chunk is marked dirty by append, after its state is written.
            ContentRecordLayout.length(chunks.chunk(series.index(at)).buffer, positionOf(at), length);
            tail = end;
            return at;
        } finally {
            tailLock.unlockWrite(stamp);
        }
    }

    /** The first offset at or after {@code at} from which {@code length} bytes lie in one chunk. */
    private long placement(long at, int length) {
        long from = at;
        while (true) {
            int index = series.index(from);
            long chunkEnd = series.start(index) + series.size(index);
            if (from + length <= chunkEnd) {
                return from;
            }
            from = chunkEnd;
        }
    }

    /**
     * Reads the committed record at {@code offset}, which a committed slot says is
     * {@code expectedLength} bytes long.
     *
     * @throws CorruptionException when the record is not committed, not that long, or fails its checksum
     */
    Entry read(long offset, int expectedLength) {
        ByteBuffer chunk = bufferAt(offset, expectedLength);
        int pos = positionOf(offset);
        if (ContentRecordLayout.stateVolatile(chunk, pos) != ContentRecordLayout.STATE_COMMITTED) {
            throw new CorruptionException("content record at " + offset + " is not committed");
        }
        int length = ContentRecordLayout.length(chunk, pos);
        if (length != expectedLength || !ContentRecordLayout.lengthsConsistent(chunk, pos, length)) {
            throw new CorruptionException("content record at " + offset + " has length " + length
                    + ", slot says " + expectedLength);
        }
        int idLength = ContentRecordLayout.idLength(chunk, pos);
        int contentLength = ContentRecordLayout.contentLength(chunk, pos);
        if (ContentRecordLayout.storedChecksum(chunk, pos)
                != ContentRecordLayout.computeChecksum(chunk, pos, idLength, contentLength)) {
            throw new CorruptionException("content record at " + offset + " fails its checksum");
        }
        return new Entry(ContentRecordLayout.id(chunk, pos, idLength),
                ContentRecordLayout.content(chunk, pos, idLength, contentLength));
    }

    /**
     * The id of the committed record at {@code offset}, without checking the record's sum (whoever
     * uses the memory reads it whole with {@link #read}); recall orders equal scores by it.
     *
     * @throws CorruptionException when the record is not committed or not {@code expectedLength} long
     */
    byte[] readId(long offset, int expectedLength) {
        ByteBuffer chunk = bufferAt(offset, expectedLength);
        int pos = positionOf(offset);
        if (ContentRecordLayout.stateVolatile(chunk, pos) != ContentRecordLayout.STATE_COMMITTED
                || ContentRecordLayout.length(chunk, pos) != expectedLength
                || !ContentRecordLayout.lengthsConsistent(chunk, pos, expectedLength)) {
            throw new CorruptionException("content record at " + offset + " is not a committed record of "
                    + expectedLength + " bytes");
        }
        return ContentRecordLayout.id(chunk, pos, ContentRecordLayout.idLength(chunk, pos));
    }

    private ByteBuffer bufferAt(long offset, int length) {
        if (offset < 0 || offset % ContentRecordLayout.ALIGNMENT != 0 || length < ContentRecordLayout.RECORD_HEADER_BYTES
                || chunkIndex(offset) >= chunks.count() || positionOf(offset) + (long) length > chunkSize(offset)) {
            throw new CorruptionException("content record at " + offset + " (" + length
                    + " bytes) is outside the log");
        }
        return chunks.chunk(chunkIndex(offset)).buffer;
    }

    /** Forces the chunk range of one record now ({@link Durability#ALWAYS}). */
    void force(long offset, int length) {
        chunks.force(chunkIndex(offset), positionOf(offset), length);
    }

    /** The logical end of the log: where the next record will start. */
    long tail() {
        long stamp = tailLock.tryOptimisticRead();
        long value = tail;
        if (!tailLock.validate(stamp)) {
            stamp = tailLock.readLock();
            try {
                value = tail;
            } finally {
                tailLock.unlockRead(stamp);
            }
        }
        return value;
    }

    /** Makes the chunks holding the first {@code bytes} bytes of records exist. */
    void ensureCapacity(long bytes) {
        if (bytes > 0) {
            chunks.ensure(series.index(bytes - 1));
        }
    }

    /** Mapped bytes available for records. */
    /** Bytes of the log's largest chunk: no record is longer. */
    long largestChunk() {
        return series.max();
    }

    long capacity() {
        return chunks.capacity();
    }

    /**
     * The records that committed, checksum-valid slots reference, in offset order, handed out a
     * bounded batch at a time: recovery needs them only where it meets a hole, and must not hold
     * one entry per slot ever written.
     */
    interface VouchedRecords {
        /**
         * Up to a bounded number of the smallest vouched offsets above {@code from}, sorted, each
         * with the record length its slot states. {@code complete} when no vouched offset above
         * {@code from} was left out.
         */
        Batch after(long from);

        record Batch(long[] offsets, int[] lengths, boolean complete) {
        }
    }

    /**
     * Recovers the log after open, as {@link ContentLogRecovery} describes, and sets the tail to
     * where the recovered log ends. Call before any append.
     */
    Recovery recover(VouchedRecords vouched) {
        Recovery recovery = new ContentLogRecovery(this).run(vouched);
        this.tail = recovery.tail();
        return recovery;
    }

    /** Covers {@code [from, to)} with padding records, one per chunk it touches. */
    void padRange(long from, long to) {
        long at = from;
        while (at < to) {
            long chunkEnd = series.start(chunkIndex(at)) + series.size(chunkIndex(at));
            int length = (int) (Math.min(chunkEnd, to) - at);
            MappedChunks.Chunk chunk = chunks.chunk(chunkIndex(at));
            ContentRecordLayout.length(chunk.buffer, positionOf(at), length);
            ContentRecordLayout.stateOrdered(chunk.buffer, positionOf(at), ContentRecordLayout.STATE_PADDING);
            chunk.markDirty();
            at += length;
        }
    }

    /** Whether a record at {@code at} may be {@code length} bytes long: aligned and inside its chunk. */
    boolean plausibleLength(int length, long at) {
        return length >= Long.BYTES && length % ContentRecordLayout.ALIGNMENT == 0
                && length <= chunkSize(at) - positionOf(at);
    }

    static boolean validCommitted(ByteBuffer chunk, int pos, int length) {
        return length >= ContentRecordLayout.RECORD_HEADER_BYTES
                && ContentRecordLayout.lengthsConsistent(chunk, pos, length)
                && ContentRecordLayout.storedChecksum(chunk, pos) == ContentRecordLayout.computeChecksum(chunk, pos,
                ContentRecordLayout.idLength(chunk, pos), ContentRecordLayout.contentLength(chunk, pos));
    }

    /**
     * Walks the records below the tail as they are now, concurrently with appends: verifies the
     * checksum of every committed record and measures how far the record lengths are from the tail.
     */
    Scan scan(PacedWork work) {
        long end = tail();
        long at = 0;
        long records = 0;
        long failures = 0;
        while (at < end) {
            work.unitDone();
            ByteBuffer chunk = chunks.chunk(chunkIndex(at)).buffer;
            int pos = positionOf(at);
            int length = ContentRecordLayout.length(chunk, pos);
            if (!plausibleLength(length, at)) {
                break;
            }
            if (ContentRecordLayout.stateVolatile(chunk, pos) == ContentRecordLayout.STATE_COMMITTED) {
                records++;
                if (!validCommitted(chunk, pos, length)) {
                    failures++;
                }
            }
            at += length;
        }
        return new Scan(end, records, at, failures, Math.abs(at - end));
    }

    /** Restores the tail written by a clean shutdown, instead of {@link #recover}. */
    void restoreTail(long cleanTail) {
        if (cleanTail < 0 || cleanTail > capacity() || cleanTail % ContentRecordLayout.ALIGNMENT != 0) {
            throw new IllegalArgumentException("tail " + cleanTail + " is outside the log");
        }
        this.tail = cleanTail;
    }

    int chunkIndex(long offset) {
        return series.index(offset);
    }

    int positionOf(long offset) {
        return (int) (offset - series.start(series.index(offset)));
    }

    /** Bytes of the chunk holding {@code offset}. */
    private long chunkSize(long offset) {
        return series.size(series.index(offset));
    }
}
