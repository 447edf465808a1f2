package dev.warmtier.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The binary layout of the slot file: one header page, then fixed-size slots. All integers are
 * little-endian. Code that reads or writes a slot goes through this class and never spells an
 * offset; methods that carry a memory ordering say so in their name.
 *
 * <pre>
 * File header (HEADER_BYTES = 4096, only the first 36 bytes used)
 *   0                   4                   8                  12                  16
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | magic "WTSL"      | format version    | slot size         | embedding dim     |
 *   +-------------------+-------------------+-------------------+-------------------+
 *   | created at (epoch millis, long)       | first chunk slots | header crc32c     |
 *   +---------------------------------------+-------------------+-------------------+
 *   | chunk doublings   |  (format 2 only; the crc covers [0, 28) and, in format 2, [32, 36))
 *   +-------------------+
 *
 * Format 1: every chunk holds "first chunk slots" slots. Format 2: chunks follow the
 * {@link ChunkSeries} (first chunk slots, chunk doublings).
 * Slot n starts at HEADER_BYTES + n * slotSize; chunks hold whole slots, so no slot straddles one.
 *   0        4        8                16               24               32
 *   +--------+--------+----------------+----------------+----------------+
 *   | state  | crc32c | version        | created at     | updated at     |   written in the
 *   +--------+--------+----------------+----------------+----------------+   per-key step
 *   32                40       44       48       52       56       60       64
 *   +-----------------+--------+--------+--------+--------+--------+--------+
 *   | content offset  | rec len| kind   | confid.| activ. | decay  | norm   |   the payload,
 *   +-----------------+--------+--------+--------+--------+--------+--------+   summed first
 *   64: embedding, dimension x float, then zero padding to a multiple of 64 bytes
 *   (rec len: record length, int; kind: int; confid., activ., decay: confidence, activation and
 *   decay rate, float; norm: the embedding's Euclidean norm, float, for recall; -0.0 for a zero
 *   vector and a tombstone; +0.0 in slots written before norms were stored, where recall computes it)
 * </pre>
 *
 * <p>The checksum covers bytes {@code [32, slotSize)} followed by {@code [8, 32)}, so the payload
 * can be summed before the per-key step and the version and timestamps added inside it. The state
 * word is written last, with release semantics, and read with acquire: a reader that sees
 * {@link #STATE_COMMITTED} sees every byte the writer wrote before it.
 *
 * <p>Threads: no state; the memory ordering an accessor gives is in its name.
 */
public final class SlotLayout {

    public static final int HEADER_BYTES = 4096;
    public static final int MAGIC = 0x4C53_5457; // "WTSL" little-endian
    /** The format new files get: chunks in a doubling series. */
    public static final int FORMAT_VERSION = HeaderLayout.FORMAT_VERSION;
    /** The format whose chunks all have one size: fixed chunks; still read and written. */
    public static final int FORMAT_FIXED_CHUNKS = HeaderLayout.FORMAT_FIXED_CHUNKS;
    public static final int MAX_DIMENSION = 65_536;

    static final int HEADER_MAGIC = HeaderLayout.MAGIC_OFFSET;
    static final int HEADER_FORMAT = HeaderLayout.FORMAT_OFFSET;
    static final int HEADER_SLOT_SIZE = 8;
    static final int HEADER_DIMENSION = 12;
    static final int HEADER_CREATED_AT = 16;
    static final int HEADER_FIRST_CHUNK_SLOTS = 24;
    static final int HEADER_CRC = 28;
    static final int HEADER_CHUNK_DOUBLINGS = 32;
    /** The fields this header shares with the content log's, and their check at open. */
    static final HeaderLayout HEADER = new HeaderLayout("slot file", MAGIC, HEADER_FIRST_CHUNK_SLOTS, HEADER_CRC,
            HEADER_CHUNK_DOUBLINGS);

    public static final int STATE_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int VERSION_OFFSET = 8;
    public static final int CREATED_AT_OFFSET = 16;
    public static final int UPDATED_AT_OFFSET = 24;
    public static final int CONTENT_OFFSET_OFFSET = 32;
    public static final int RECORD_LENGTH_OFFSET = 40;
    public static final int KIND_OFFSET = 44;
    public static final int CONFIDENCE_OFFSET = 48;
    public static final int ACTIVATION_OFFSET = 52;
    public static final int DECAY_RATE_OFFSET = 56;
    public static final int NORM_OFFSET = 60;
    /** The norm word of a zero vector: {@code -0.0f}; {@code +0.0f} means "not stored" (see {@link #storedNorm}). */
    static final int ZERO_VECTOR_NORM_BITS = 0x8000_0000;
    public static final int EMBEDDING_OFFSET = 64;
    /** Start of the part of the slot summed before the per-key step. */
    static final int PAYLOAD_OFFSET = CONTENT_OFFSET_OFFSET;
    static final int ALIGNMENT = 64;

    /** Never written: a slot that was never claimed, or claimed and not yet committed. */
    public static final int STATE_EMPTY = 0;
    /** Committed: version, checksum and payload are complete. */
    public static final int STATE_COMMITTED = 0x4D4D_4F43; // "COMM"
    /** Claimed and given up (failed precondition, failed write): never live, never a violation. */
    public static final int STATE_ABANDONED = 0x4E44_4241; // "ABDN"

    public static final int KIND_MEMORY = 1;
    public static final int KIND_TOMBSTONE = 2;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private SlotLayout() {
    }

    public static int slotSize(int dimension) {
        int raw = EMBEDDING_OFFSET + dimension * Float.BYTES;
        return (raw + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    // ---- header -------------------------------------------------------------------------

    static void writeHeader(ByteBuffer header, int slotSize, int dimension, long createdAt, ChunkSeries chunks) {
        HEADER.write(header, chunks);
        header.putInt(HEADER_SLOT_SIZE, slotSize);
        header.putInt(HEADER_DIMENSION, dimension);
        header.putLong(HEADER_CREATED_AT, createdAt);
        HEADER.seal(header);
    }

    /** The fields of a slot file's header that {@link #HEADER}'s check leaves to this layout. */
    record HeaderFields(int slotSize, int dimension, long createdAt) {

        static HeaderFields of(ByteBuffer header) {
            return new HeaderFields(header.getInt(HEADER_SLOT_SIZE), header.getInt(HEADER_DIMENSION),
                    header.getLong(HEADER_CREATED_AT));
        }
    }

    // ---- state word ---------------------------------------------------------------------

    /** Publishes the slot: everything written to it before this call is visible to acquirers. */
    static void stateOrdered(ByteBuffer chunk, int slotBase, int state) {
        INT.setRelease(chunk, slotBase + STATE_OFFSET, state);
    }

    /** Reads the state; a committed state guarantees the rest of the slot is visible. */
    static int stateVolatile(ByteBuffer chunk, int slotBase) {
        return (int) INT.getAcquire(chunk, slotBase + STATE_OFFSET);
    }

    // ---- payload (written before the per-key step) --------------------------------------

    static void writePayload(ByteBuffer chunk, int slotBase, long contentOffset, int recordLength, int kind,
                             float confidence, float activation, float decayRate, float[] embedding) {
        chunk.putLong(slotBase + CONTENT_OFFSET_OFFSET, contentOffset);
        chunk.putInt(slotBase + RECORD_LENGTH_OFFSET, recordLength);
        chunk.putInt(slotBase + KIND_OFFSET, kind);
        chunk.putFloat(slotBase + CONFIDENCE_OFFSET, confidence);
        chunk.putFloat(slotBase + ACTIVATION_OFFSET, activation);
        chunk.putFloat(slotBase + DECAY_RATE_OFFSET, decayRate);
        chunk.putFloat(slotBase + NORM_OFFSET, embedding == null ? -0.0f : norm(embedding));
        if (embedding != null) {
            int at = slotBase + EMBEDDING_OFFSET;
            for (float value : embedding) {
                chunk.putFloat(at, value);
                at += Float.BYTES;
            }
        }
    }

    /**
     * The Euclidean norm of {@code embedding}, summed in double so that neither tiny nor huge finite
     * values under- or overflow on the way; a norm past the float range is stored as infinity, which
     * recall treats as "compute it again" ({@link Recall}).
     */
    static float norm(float[] embedding) {
        double sum = 0;
        for (float value : embedding) {
            sum += (double) value * value;
        }
        return storedNorm(sum);
    }

    /**
     * The norm word for a squared norm: its square root as a float, and for a zero vector
     * {@code -0.0f}, so that recall tells a zero vector (score 0) from a slot written before norms
     * were stored ({@code +0.0f}, norm to be computed). A nonzero vector's norm is never 0 in
     * float: the smallest is that of one smallest subnormal value.
     */
    static float storedNorm(double squaredNorm) {
        return squaredNorm == 0 ? -0.0f : (float) Math.sqrt(squaredNorm);
    }

    /**
     * Copies the payload of a committed slot ({@code [32, slotSize)}: scalars, kind, record length,
     * embedding) into an unpublished one, pointing it at {@code contentOffset}, where its record now is.
     */
    static void copyPayload(ByteBuffer from, int fromBase, ByteBuffer to, int toBase, int slotSize,
                            long contentOffset) {
        to.put(toBase + PAYLOAD_OFFSET, from, fromBase + PAYLOAD_OFFSET, slotSize - PAYLOAD_OFFSET);
        to.putLong(toBase + CONTENT_OFFSET_OFFSET, contentOffset);
        if (to.getInt(toBase + NORM_OFFSET) == 0 && to.getInt(toBase + KIND_OFFSET) == KIND_MEMORY) {
            // Written before norms were stored: the copy gets its norm.
            to.putFloat(toBase + NORM_OFFSET, storedNorm(squaredNorm(to, toBase, (slotSize - EMBEDDING_OFFSET) / Float.BYTES)));
        }
    }

    /** The squared Euclidean norm of the first {@code dimension} embedding values of a slot, summed in double. */
    static double squaredNorm(ByteBuffer chunk, int slotBase, int dimension) {
        double sum = 0;
        int at = slotBase + EMBEDDING_OFFSET;
        for (int i = 0; i < dimension; i++, at += Float.BYTES) {
            double value = chunk.getFloat(at);
            sum += value * value;
        }
        return sum;
    }

    /** Starts the slot checksum with the payload part, {@code [32, slotSize)}. */
    static CRC32C payloadChecksum(ByteBuffer chunk, int slotBase, int slotSize) {
        CRC32C crc = new CRC32C();
        crc.update(chunk.slice(slotBase + PAYLOAD_OFFSET, slotSize - PAYLOAD_OFFSET));
        return crc;
    }

    /**
     * Writes the fields decided in the per-key step and finishes the checksum with them. The state
     * is not touched; publish with {@link #stateOrdered}.
     */
    static void writeVersioned(ByteBuffer chunk, int slotBase, CRC32C payloadCrc, long version, long createdAt,
                               long updatedAt) {
        chunk.putLong(slotBase + VERSION_OFFSET, version);
        chunk.putLong(slotBase + CREATED_AT_OFFSET, createdAt);
        chunk.putLong(slotBase + UPDATED_AT_OFFSET, updatedAt);
        payloadCrc.update(chunk.slice(slotBase + VERSION_OFFSET, PAYLOAD_OFFSET - VERSION_OFFSET));
        chunk.putInt(slotBase + CRC_OFFSET, (int) payloadCrc.getValue());
    }

    /** Recomputes the checksum of a slot as it is now. */
    static int computeChecksum(ByteBuffer chunk, int slotBase, int slotSize) {
        CRC32C crc = payloadChecksum(chunk, slotBase, slotSize);
        crc.update(chunk.slice(slotBase + VERSION_OFFSET, PAYLOAD_OFFSET - VERSION_OFFSET));
        return (int) crc.getValue();
    }

    static int storedChecksum(ByteBuffer chunk, int slotBase) {
        return chunk.getInt(slotBase + CRC_OFFSET);
    }

    // ---- fields ---------------------------------------------------------------------------

    /** A little-endian {@code long} at a fixed offset in every slot. */
    record LongField(int offset) {
        long get(ByteBuffer chunk, int slotBase) {
            return chunk.getLong(slotBase + offset);
        }
    }

    /** A little-endian {@code int} at a fixed offset in every slot. */
    record IntField(int offset) {
        int get(ByteBuffer chunk, int slotBase) {
            return chunk.getInt(slotBase + offset);
        }
    }

    /** A little-endian {@code float} at a fixed offset in every slot. */
    record FloatField(int offset) {
        float get(ByteBuffer chunk, int slotBase) {
            return chunk.getFloat(slotBase + offset);
        }
    }

    static final LongField VERSION = new LongField(VERSION_OFFSET);
    static final LongField CREATED_AT = new LongField(CREATED_AT_OFFSET);
    static final LongField UPDATED_AT = new LongField(UPDATED_AT_OFFSET);
    static final LongField CONTENT_OFFSET = new LongField(CONTENT_OFFSET_OFFSET);
    static final IntField RECORD_LENGTH = new IntField(RECORD_LENGTH_OFFSET);
    static final IntField KIND = new IntField(KIND_OFFSET);
    static final FloatField CONFIDENCE = new FloatField(CONFIDENCE_OFFSET);
    static final FloatField ACTIVATION = new FloatField(ACTIVATION_OFFSET);
    static final FloatField DECAY_RATE = new FloatField(DECAY_RATE_OFFSET);
    static final FloatField NORM = new FloatField(NORM_OFFSET);

    static float[] embedding(ByteBuffer chunk, int slotBase, int dimension) {
        float[] values = new float[dimension];
        int at = slotBase + EMBEDDING_OFFSET;
        for (int i = 0; i < dimension; i++) {
            values[i] = chunk.getFloat(at);
            at += Float.BYTES;
        }
        return values;
    }

    /** True when every byte of the slot is zero: never written since the file was made or cleared. */
    static boolean isBlank(ByteBuffer chunk, int slotBase, int slotSize) {
        for (int at = slotBase; at < slotBase + slotSize; at += Long.BYTES) {
            if (chunk.getLong(at) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Zeroes a slot whose contents recovery discarded, so it can never be mistaken for data. */
    static void clear(ByteBuffer chunk, int slotBase, int slotSize) {
        for (int at = slotBase; at < slotBase + slotSize; at += Long.BYTES) {
            chunk.putLong(at, 0L);
        }
    }
}
