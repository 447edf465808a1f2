package dev.warmtier.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.MemoryModelAccess;
import dev.warmtier.engine.SlotLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LJL_Result;

/**
 * Slot publication. A writer fills a slot through {@link SlotLayout}'s writers, in the order a
 * write does (payload, then version, times and checksum), and publishes the state word with the
 * release store; a reader starts with the acquire load of the state word, as every reader does.
 * Result: the state the reader saw, the version it then read, and whether the payload it then read
 * was the writer's whole payload (content offset and every embedding value as written, checksum
 * holding over the whole slot) or what was stale.
 *
 * <p>The slot lives in a direct {@link ByteBuffer}, the kind a {@code MappedByteBuffer} is, with
 * the little-endian order the engine sets on every chunk; a fresh one per state, so every reader
 * starts from a blank, never-published slot.
 */
@JCStressTest
@Description("SlotLayout: a reader that sees the committed state word (acquire) sees the whole payload written before"
        + " the release store")
@Outcome(id = "COMMITTED, 7, whole", expect = ACCEPTABLE, desc = "published, and seen whole")
@Outcome(id = "EMPTY, .*", expect = ACCEPTABLE,
        desc = "not published yet: the payload may be stale or half written")
@Outcome(expect = FORBIDDEN, desc = "saw the commit but a stale or torn version or payload")
@State
public class CommittedSlotIsSeenWhole {

    static final int DIMENSION = 16;
    static final int SLOT_SIZE = SlotLayout.slotSize(DIMENSION);
    static final int BASE = 0;
    static final long VERSION = 7;
    static final long CONTENT_OFFSET = 4096;
    static final int RECORD_LENGTH = 48;
    static final float[] EMBEDDING = embedding();

    private final ByteBuffer chunk = ByteBuffer.allocateDirect(SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);

    @Actor
    public void writer() {
        MemoryModelAccess.writeSlotPayload(chunk, BASE, CONTENT_OFFSET, RECORD_LENGTH, SlotLayout.KIND_MEMORY, 0.7f,
                0.25f, 0.1f, EMBEDDING);
        MemoryModelAccess.writeSlotVersioned(chunk, BASE, SLOT_SIZE, VERSION, 1_000L, 2_000L);
        MemoryModelAccess.publishSlot(chunk, BASE, SlotLayout.STATE_COMMITTED);
    }

    @Actor
    public void reader(LJL_Result r) {
        int state = MemoryModelAccess.slotState(chunk, BASE);
        r.r1 = stateName(state);
        r.r2 = MemoryModelAccess.slotVersion(chunk, BASE);
        r.r3 = payloadAsRead();
    }

    /** "whole", or the parts of the payload that were not what the writer wrote. */
    private String payloadAsRead() {
        boolean offset = MemoryModelAccess.slotContentOffset(chunk, BASE) == CONTENT_OFFSET;
        float[] embedding = MemoryModelAccess.slotEmbedding(chunk, BASE, DIMENSION);
        boolean values = Arrays.equals(embedding, EMBEDDING);
        boolean checksum = MemoryModelAccess.slotChecksumHolds(chunk, BASE, SLOT_SIZE);
        if (offset && values && checksum) {
            return "whole";
        }
        return "stale" + (offset ? "" : " offset") + (values ? "" : " embedding") + (checksum ? "" : " checksum");
    }

    private static String stateName(int state) {
        switch (state) {
            case SlotLayout.STATE_EMPTY:
                return "EMPTY";
            case SlotLayout.STATE_COMMITTED:
                return "COMMITTED";
            default:
                return "state " + Integer.toHexString(state);
        }
    }

    private static float[] embedding() {
        float[] values = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            values[i] = i + 0.5f;
        }
        return values;
    }
}
