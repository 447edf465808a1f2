package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The binary layout of the {@code version-ceiling} file: two fixed records, A and B, each holding
 * a ceiling that no version handed out exceeds. All integers are little-endian. Code that reads or
 * writes the file goes through this class and never spells an offset.
 *
 * <pre>
 * File (FILE_BYTES = 4128): record A at offset 0, record B at offset 4096 (RECORD_STRIDE),
 * zeros between them
 *
 * Record (RECORD_BYTES = 32)
 *   0                   4                   8                                      16
 *   +-------------------+-------------------+--------------------------------------+
 *   | magic "WTVC"      | format version    | sequence (long)                      |
 *   +-------------------+-------------------+-------------------+------------------+
 *   | ceiling (long)                        | zero              | crc32c of [0, 28)|
 *   +---------------------------------------+-------------------+------------------+
 *   16                                      24                  28                 32
 * </pre>
 *
 * <p>The two records work like LMDB's two meta pages: a writer overwrites the record that does not
 * hold the newest value, with the next sequence, and forces it; a reader takes the valid record
 * with the highest sequence. A write torn by a crash fails its checksum, and the other record, the
 * previous value, stands. Each record has a 4 KiB page of its own, as LMDB's meta pages do: a
 * device that garbles the whole page it was writing when power failed (some do) then takes only
 * the record being written, never both.
 *
 * <p>Threads: no state; any thread.
 */
final class VersionCeilingLayout {

    static final int MAGIC = 0x4356_5457; // "WTVC" little-endian
    static final int FORMAT_VERSION = 1;
    static final int RECORD_BYTES = 32;
    static final int RECORDS = 2;
    /** Distance between the starts of A and B: one page, so no write of one touches the other's page. */
    static final int RECORD_STRIDE = 4096;
    static final int FILE_BYTES = (RECORDS - 1) * RECORD_STRIDE + RECORD_BYTES;

    static final int MAGIC_OFFSET = 0;
    static final int FORMAT_OFFSET = 4;
    static final int SEQUENCE_OFFSET = 8;
    static final int CEILING_OFFSET = 16;
    static final int ZERO_OFFSET = 24;
    static final int CRC_OFFSET = 28;

    private VersionCeilingLayout() {
    }

    /** Where record {@code index} (0 for A, 1 for B) starts in the file. */
    static long recordOffset(int index) {
        return (long) index * RECORD_STRIDE;
    }

    /** A whole record, checksum included, ready to be written at {@link #recordOffset}. */
    static ByteBuffer encode(long sequence, long ceiling) {
        ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        record.putInt(MAGIC_OFFSET, MAGIC);
        record.putInt(FORMAT_OFFSET, FORMAT_VERSION);
        record.putLong(SEQUENCE_OFFSET, sequence);
        record.putLong(CEILING_OFFSET, ceiling);
        record.putInt(ZERO_OFFSET, 0);
        record.putInt(CRC_OFFSET, checksum(record));
        return record;
    }

    /** The checksum the record should carry: CRC32C of its bytes {@code [0, 28)}. */
    static int checksum(ByteBuffer record) {
        CRC32C crc = new CRC32C();
        crc.update(record.slice(0, CRC_OFFSET));
        return (int) crc.getValue();
    }

    /**
     * Whether {@code record} (a little-endian buffer of {@link #RECORD_BYTES}) is whole: its
     * checksum holds and it names this file kind. Its format may still be one this build does not
     * read; see {@link #format}.
     */
    static boolean isWhole(ByteBuffer record) {
        return record.remaining() == RECORD_BYTES && record.getInt(MAGIC_OFFSET) == MAGIC
                && record.getInt(CRC_OFFSET) == checksum(record);
    }

    static int format(ByteBuffer record) {
        return record.getInt(FORMAT_OFFSET);
    }

    static long sequence(ByteBuffer record) {
        return record.getLong(SEQUENCE_OFFSET);
    }

    static long ceiling(ByteBuffer record) {
        return record.getLong(CEILING_OFFSET);
    }
}
