package dev.warmtier.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The binary layout of the content log: one header page, then records laid end to end. Records
 * are aligned to 8 bytes and never straddle a chunk: a record that would is preceded by a padding
 * record that fills the rest of the chunk. All integers are little-endian.
 *
 * <pre>
 * File header (HEADER_BYTES = 4096, first 28 bytes used)
 *   0: magic "WTCL" | 4: format version | 8: first chunk bytes | 12: header crc32c | 16: created at (long)
 *   | 24: chunk doublings (format 2 only)
 *   The crc covers [0, 12) and [16, 24), and in format 2 also [24, 28). Format 1: every chunk has
 *   "first chunk bytes"; format 2: chunks follow the {@link ChunkSeries} (first chunk bytes, doublings).
 *
 * Record at logical offset p (file offset HEADER_BYTES + p)
 *   0                   4                   8                  12                  16
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | length            | state             | crc32c            | id length         |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | content length    | id bytes (UTF-8) ... content bytes (UTF-8) ... zero pad to 8 |
 *   +-------------------+-----------------------------------------------------------+
 * </pre>
 *
 * <p>{@code length} is the whole record including the header and padding; it is written while the
 * appender holds the tail lock, before the tail moves past the record, so every record below the
 * tail has a trustworthy length even while its payload is still being written. The checksum covers
 * bytes {@code [12, 20 + idLength + contentLength)}. The state is written last with release
 * semantics: {@link #STATE_RESERVED} (zero) until then, {@link #STATE_COMMITTED} after.
 *
 * <p>Threads: no state; the memory ordering an accessor gives is in its name.
 */
public final class ContentRecordLayout {

    public static final int HEADER_BYTES = 4096;
    public static final int MAGIC = 0x4C43_5457; // "WTCL" little-endian
    /** The format new files get: chunks in a doubling series. */
    public static final int FORMAT_VERSION = HeaderLayout.FORMAT_VERSION;
    /** The format whose chunks all have one size: fixed chunks; still read and written. */
    public static final int FORMAT_FIXED_CHUNKS = HeaderLayout.FORMAT_FIXED_CHUNKS;
    public static final int ALIGNMENT = 8;
    public static final int MAX_ID_BYTES = 256;
    /** Upper bound for the configurable content limit; keeps a record well inside one chunk. */
    public static final int MAX_CONTENT_BYTES = 256 << 20;

    static final int HEADER_MAGIC = HeaderLayout.MAGIC_OFFSET;
    static final int HEADER_FORMAT = HeaderLayout.FORMAT_OFFSET;
    static final int HEADER_CHUNK_BYTES = 8;
    static final int HEADER_CRC = 12;
    static final int HEADER_CREATED_AT = 16;
    static final int HEADER_CHUNK_DOUBLINGS = 24;
    /** The fields this header shares with the slot file's, and their check at open. */
    static final HeaderLayout HEADER = new HeaderLayout("content log", MAGIC, HEADER_CHUNK_BYTES, HEADER_CRC,
            HEADER_CHUNK_DOUBLINGS);

    public static final int LENGTH_OFFSET = 0;
    public static final int STATE_OFFSET = 4;
    public static final int CRC_OFFSET = 8;
    public static final int ID_LENGTH_OFFSET = 12;
    public static final int CONTENT_LENGTH_OFFSET = 16;
    public static final int ID_OFFSET = 20;
    public static final int RECORD_HEADER_BYTES = ID_OFFSET;

    /** Length written, payload not yet complete (or never completed: the writer died). */
    public static final int STATE_RESERVED = 0;
    public static final int STATE_COMMITTED = 0x4443_4552; // "RECD"
    /** Filler to the end of a chunk, or a reservation recovery found abandoned. */
    public static final int STATE_PADDING = 0x4441_5050; // "PPAD"

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private ContentRecordLayout() {
    }

    /** Length of a record holding the given id and content, padded to the alignment. */
    public static int recordLength(int idBytes, int contentBytes) {
        long raw = (long) RECORD_HEADER_BYTES + idBytes + contentBytes;
        long aligned = (raw + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        return Math.toIntExact(aligned);
    }

    /** The smallest chunk size that holds the largest record for the given content limit. */
    static long alignedChunkFor(int maxContentBytes) {
        return recordLength(MAX_ID_BYTES, maxContentBytes);
    }

    // ---- header -------------------------------------------------------------------------

    static void writeHeader(ByteBuffer header, ChunkSeries chunks, long createdAt) {
        HEADER.write(header, chunks);
        header.putLong(HEADER_CREATED_AT, createdAt);
        HEADER.seal(header);
    }

    // ---- records ------------------------------------------------------------------------

    /** Written under the tail lock, before the tail moves: makes the record skippable. */
    static void length(ByteBuffer chunk, int at, int length) {
        chunk.putInt(at + LENGTH_OFFSET, length);
    }

    static int length(ByteBuffer chunk, int at) {
        return chunk.getInt(at + LENGTH_OFFSET);
    }

    static void stateOrdered(ByteBuffer chunk, int at, int state) {
        INT.setRelease(chunk, at + STATE_OFFSET, state);
    }

    static int stateVolatile(ByteBuffer chunk, int at) {
        return (int) INT.getAcquire(chunk, at + STATE_OFFSET);
    }

    /** Writes id, content and checksum; the caller publishes with {@link #stateOrdered}. */
    static void writePayload(ByteBuffer chunk, int at, byte[] id, byte[] content) {
        chunk.putInt(at + ID_LENGTH_OFFSET, id.length);
        chunk.putInt(at + CONTENT_LENGTH_OFFSET, content.length);
        chunk.put(at + ID_OFFSET, id);
        chunk.put(at + ID_OFFSET + id.length, content);
        chunk.putInt(at + CRC_OFFSET, computeChecksum(chunk, at, id.length, content.length));
    }

    static int computeChecksum(ByteBuffer chunk, int at, int idLength, int contentLength) {
        CRC32C crc = new CRC32C();
        crc.update(chunk.slice(at + ID_LENGTH_OFFSET, RECORD_HEADER_BYTES - ID_LENGTH_OFFSET + idLength + contentLength));
        return (int) crc.getValue();
    }

    static int storedChecksum(ByteBuffer chunk, int at) {
        return chunk.getInt(at + CRC_OFFSET);
    }

    static int idLength(ByteBuffer chunk, int at) {
        return chunk.getInt(at + ID_LENGTH_OFFSET);
    }

    static int contentLength(ByteBuffer chunk, int at) {
        return chunk.getInt(at + CONTENT_LENGTH_OFFSET);
    }

    static byte[] id(ByteBuffer chunk, int at, int idLength) {
        byte[] bytes = new byte[idLength];
        chunk.get(at + ID_OFFSET, bytes);
        return bytes;
    }

    static byte[] content(ByteBuffer chunk, int at, int idLength, int contentLength) {
        byte[] bytes = new byte[contentLength];
        chunk.get(at + ID_OFFSET + idLength, bytes);
        return bytes;
    }

    /**
     * Whether the id and content lengths stored in a record fit inside its length word; a record
     * whose lengths do not is damaged, whatever its checksum says.
     */
    static boolean lengthsConsistent(ByteBuffer chunk, int at, int length) {
        int idLength = idLength(chunk, at);
        int contentLength = contentLength(chunk, at);
        if (idLength < 1 || idLength > MAX_ID_BYTES || contentLength < 0 || contentLength > MAX_CONTENT_BYTES) {
            return false; // damaged lengths, however large, are never an exception
        }
        return recordLength(idLength, contentLength) == length;
    }
}
