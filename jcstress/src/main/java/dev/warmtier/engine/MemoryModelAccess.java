package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The package-private engine operations that the jcstress tests in {@code dev.warmtier.jcstress}
 * drive. Each method forwards to the real engine class unchanged: no logic, no copies, so what
 * the tests observe is exactly what {@code MemoryStore} does. It lives in this module, not in the
 * application, because only these tests need the engine's internals from outside its package.
 */
public final class MemoryModelAccess {

    private MemoryModelAccess() {
    }

    // ---- slots: what SlotAppender claims, fills and publishes, and what a reader reads --------

    /** {@link SlotFillListener#of}: what a write tells its allocator once the claimed slot is filled. */
    public static void slotFilled(SlotAllocator allocator, long slot) {
        SlotFillListener.of(allocator).accept(slot);
    }

    /** {@link SlotLayout#writePayload}: the slot payload, plain stores. */
    public static void writeSlotPayload(ByteBuffer chunk, int slotBase, long contentOffset, int recordLength,
                                        int kind, float confidence, float activation, float decayRate,
                                        float[] embedding) {
        SlotLayout.writePayload(chunk, slotBase, contentOffset, recordLength, kind, confidence, activation, decayRate,
                embedding);
    }

    /** {@link SlotLayout#payloadChecksum} then {@link SlotLayout#writeVersioned}: version, times, checksum. */
    public static void writeSlotVersioned(ByteBuffer chunk, int slotBase, int slotSize, long version, long createdAt,
                                          long updatedAt) {
        CRC32C payload = SlotLayout.payloadChecksum(chunk, slotBase, slotSize);
        SlotLayout.writeVersioned(chunk, slotBase, payload, version, createdAt, updatedAt);
    }

    /** {@link SlotLayout#stateOrdered}: the release store that publishes a slot. */
    public static void publishSlot(ByteBuffer chunk, int slotBase, int state) {
        SlotLayout.stateOrdered(chunk, slotBase, state);
    }

    /** {@link SlotLayout#stateVolatile}: the acquire load a reader starts with. */
    public static int slotState(ByteBuffer chunk, int slotBase) {
        return SlotLayout.stateVolatile(chunk, slotBase);
    }

    public static long slotVersion(ByteBuffer chunk, int slotBase) {
        return SlotLayout.VERSION.get(chunk, slotBase);
    }

    public static long slotContentOffset(ByteBuffer chunk, int slotBase) {
        return SlotLayout.CONTENT_OFFSET.get(chunk, slotBase);
    }

    public static float[] slotEmbedding(ByteBuffer chunk, int slotBase, int dimension) {
        return SlotLayout.embedding(chunk, slotBase, dimension);
    }

    /** Whether the stored checksum matches the slot's bytes as they are now, as a reader checks it. */
    public static boolean slotChecksumHolds(ByteBuffer chunk, int slotBase, int slotSize) {
        return SlotLayout.storedChecksum(chunk, slotBase) == SlotLayout.computeChecksum(chunk, slotBase, slotSize);
    }

    // ---- a write's slot as the store fills, publishes and reads it ---------------------------

    /**
     * What a write does to its slot, through the store's own methods: {@link SlotFile#fill} in the
     * claim step, then {@link SlotFile#publish} in the per-key step (version, times, checksum,
     * then the release store of the state).
     */
    public static void fillAndPublishSlot(ByteBuffer chunk, int slotBase, int slotSize, long contentOffset,
                                          int recordLength, MemoryWrite write, long version, long createdAt,
                                          long updatedAt) {
        CRC32C payload = SlotFile.fill(chunk, slotBase, slotSize, contentOffset, recordLength, SlotLayout.KIND_MEMORY,
                write);
        SlotFile.publish(chunk, slotBase, payload, version, createdAt, updatedAt);
    }

    /** {@link SlotFile#unreadable}, the check every read of a slot starts with: null when readable. */
    public static String slotUnreadable(ByteBuffer chunk, int slotBase, int slotSize) {
        return SlotFile.unreadable(chunk, slotBase, slotSize);
    }

    /** {@link SlotFile#fill} alone, for a test that publishes in another order. */
    public static CRC32C fillSlot(ByteBuffer chunk, int slotBase, int slotSize, long contentOffset, int recordLength,
                                  MemoryWrite write) {
        return SlotFile.fill(chunk, slotBase, slotSize, contentOffset, recordLength, SlotLayout.KIND_MEMORY, write);
    }

    /** {@link SlotLayout#writeVersioned} alone, for a test that publishes in another order. */
    public static void writeSlotVersioned(ByteBuffer chunk, int slotBase, CRC32C payload, long version,
                                          long createdAt, long updatedAt) {
        SlotLayout.writeVersioned(chunk, slotBase, payload, version, createdAt, updatedAt);
    }

    // ---- content log ----------------------------------------------------------------------

    /**
     * Opens (creating) the real content log in {@code dir} with its first chunk mapped, as a store
     * does on open. Its I/O runs on the calling threads, as a store's does while it opens.
     */
    public static OpenContentLog openContentLog(Path dir, StoreOptions options) {
        FileIo io = new FileIo(String.valueOf(dir.getFileName()));
        ContentLog log = ContentLog.open(dir, options, FileExtender.ZERO_FILL, io, System.currentTimeMillis(),
                Optional::empty);
        log.ensureCapacity(1);
        return new OpenContentLog(log, io);
    }

    /** A real {@link ContentLog}, reachable from outside the engine package. */
    public static final class OpenContentLog implements AutoCloseable {

        private final ContentLog log;
        private final FileIo io;

        private OpenContentLog(ContentLog log, FileIo io) {
            this.log = log;
            this.io = io;
        }

        /** {@link ContentLog#append}: reserves under the tail lock, writes, publishes with release. */
        public long append(byte[] id, byte[] content) {
            return log.append(id, content, 0);
        }

        /**
         * {@link ContentLog#read} of the record at {@code offset}: whether it is committed, whole
         * and holds exactly {@code id} and {@code content}. A {@link CorruptionException} is a no.
         */
        public boolean readsBack(long offset, byte[] id, byte[] content) {
            try {
                ContentLog.Entry entry = log.read(offset, ContentRecordLayout.recordLength(id.length, content.length));
                return Arrays.equals(entry.id(), id) && Arrays.equals(entry.content(), content);
            } catch (CorruptionException e) {
                return false;
            }
        }

        @Override
        public void close() {
            log.close();
            io.close();
        }
    }
}
