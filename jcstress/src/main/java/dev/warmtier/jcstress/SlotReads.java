package dev.warmtier.jcstress;

import dev.warmtier.engine.MemoryModelAccess;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.SlotLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * The slot, the write and the reader that {@code StoreCommitIsSeenWhole} and its racy twin share,
 * so the two differ only in the order the writer publishes.
 */
public final class SlotReads {

    public static final int DIMENSION = 16;
    public static final int SLOT_SIZE = SlotLayout.slotSize(DIMENSION);
    public static final int BASE = 0;
    public static final long CONTENT_OFFSET = 4096;
    public static final int RECORD_LENGTH = 48;
    public static final MemoryWrite WRITE = new MemoryWrite("v", embedding(), 0.7f, 0.25f, 0.1f);

    private SlotReads() {
    }

    /** A blank slot in a direct buffer with the engine's byte order, as a mapped chunk is. */
    public static ByteBuffer blankSlot() {
        return ByteBuffer.allocateDirect(SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A read as {@code MemoryReader.read} starts one: its read check ({@code SlotFile.unreadable}:
     * "readable", "is not committed", "fails its checksum") in r1, then whether the embedding read
     * after it was the writer's ("whole") or not ("stale") in r2.
     */
    public static void readAsAStoreDoes(ByteBuffer chunk, LL_Result r) {
        String unreadable = MemoryModelAccess.slotUnreadable(chunk, BASE, SLOT_SIZE);
        r.r1 = unreadable == null ? "readable" : unreadable;
        r.r2 = Arrays.equals(MemoryModelAccess.slotEmbedding(chunk, BASE, DIMENSION), WRITE.embedding())
                ? "whole" : "stale";
    }

    private static float[] embedding() {
        float[] values = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            values[i] = i + 0.5f;
        }
        return values;
    }
}
