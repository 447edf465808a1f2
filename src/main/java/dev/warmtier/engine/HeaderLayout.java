package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The fields the headers of the slot file and the content log share, and the one check both get
 * at open. {@link SlotLayout} and {@link ContentRecordLayout} each draw their whole header and
 * hold one of these with the offsets of their shared fields.
 *
 * <p>Shared by both: the magic at byte 0 names the kind of file; the format at byte 4 is
 * {@link #FORMAT_FIXED_CHUNKS} or {@link #FORMAT_VERSION}; the chunk series lies in an int of
 * first-chunk units and an int of doublings (read in format 2 only); and the CRC32C word covers the
 * bytes before the doublings, less itself, and in format 2 the doublings too.
 *
 * <p>Threads: immutable; any thread.
 */
final class HeaderLayout {

    static final int MAGIC_OFFSET = 0;
    static final int FORMAT_OFFSET = 4;
    /** The format new files get: chunks in a doubling series. */
    static final int FORMAT_VERSION = 2;
    /** The format whose chunks all have the first chunk's size; still read and written. */
    static final int FORMAT_FIXED_CHUNKS = 1;

    /** What the file is, for messages: "slot file", "content log". */
    private final String kind;
    private final int magic;
    private final int firstChunkOffset;
    private final int crcOffset;
    private final int doublingsOffset;

    HeaderLayout(String kind, int magic, int firstChunkOffset, int crcOffset, int doublingsOffset) {
        this.kind = kind;
        this.magic = magic;
        this.firstChunkOffset = firstChunkOffset;
        this.crcOffset = crcOffset;
        this.doublingsOffset = doublingsOffset;
    }

    /** Writes the shared fields of a new header, in {@link #FORMAT_VERSION}; {@link #seal} it after the rest. */
    void write(ByteBuffer header, ChunkSeries chunks) {
        header.putInt(MAGIC_OFFSET, magic);
        header.putInt(FORMAT_OFFSET, FORMAT_VERSION);
        header.putInt(firstChunkOffset, Math.toIntExact(chunks.first()));
        header.putInt(doublingsOffset, chunks.doublings());
    }

    /** Writes the checksum of the header as it is now. */
    void seal(ByteBuffer header) {
        header.putInt(crcOffset, checksum(header));
    }

    /** The header checksum as the format the header states defines it. */
    int checksum(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        crc.update(header.slice(0, crcOffset));
        crc.update(header.slice(crcOffset + Integer.BYTES, doublingsOffset - crcOffset - Integer.BYTES));
        if (format(header) != FORMAT_FIXED_CHUNKS) {
            crc.update(header.slice(doublingsOffset, Integer.BYTES));
        }
        return (int) crc.getValue();
    }

    int magic(ByteBuffer header) {
        return header.getInt(MAGIC_OFFSET);
    }

    int format(ByteBuffer header) {
        return header.getInt(FORMAT_OFFSET);
    }

    int storedChecksum(ByteBuffer header) {
        return header.getInt(crcOffset);
    }

    /**
     * The chunk series the header records (fixed chunks in format 1).
     *
     * @throws IllegalArgumentException when the recorded sizes are no chunk series
     */
    ChunkSeries chunks(ByteBuffer header) {
        int first = header.getInt(firstChunkOffset);
        int doublings = format(header) == FORMAT_FIXED_CHUNKS ? 0 : header.getInt(doublingsOffset);
        return new ChunkSeries(first, doublings);
    }

    /**
     * Refuses a header that is not of this kind of file, has a format this build does not read,
     * or fails its checksum; the file's own fields are its owner's to check after.
     *
     * @throws StoreFormatException naming {@code path} and what is wrong
     */
    void check(Path path, ByteBuffer header) {
        if (magic(header) != magic) {
            throw new StoreFormatException(path + " is not a warmtier " + kind + " (bad magic)");
        }
        int format = format(header);
        if (format != FORMAT_VERSION && format != FORMAT_FIXED_CHUNKS) {
            throw new StoreFormatException(path + " has format version " + format + "; this build reads versions "
                    + FORMAT_FIXED_CHUNKS + " and " + FORMAT_VERSION);
        }
        if (storedChecksum(header) != checksum(header)) {
            throw new StoreFormatException(path + " has a damaged header (checksum mismatch)");
        }
    }

    /**
     * The chunk series of a header that passed {@link #check}.
     *
     * @throws StoreFormatException when the recorded sizes are no chunk series
     */
    ChunkSeries checkedChunks(Path path, ByteBuffer header) {
        try {
            return chunks(header);
        } catch (IllegalArgumentException e) {
            throw new StoreFormatException(path + " has an invalid chunk series: " + e.getMessage());
        }
    }
}
