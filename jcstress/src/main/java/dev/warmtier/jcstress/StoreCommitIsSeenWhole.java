package dev.warmtier.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.MemoryModelAccess;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.SlotLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * A write's slot as the store itself fills and publishes it: the writer runs the store's own
 * {@code SlotFile.fill} then {@code SlotFile.publish} (the methods {@code MemoryStore.prepare} and
 * {@code commit} call), not a hand-written order; the reader runs {@code SlotFile.unreadable}, the
 * check {@code MemoryStore.read} starts with, then reads the embedding. A reordering inside those
 * methods (the state published before the checksum or the payload) fails this test.
 *
 * <p>Result: what the read check said ("readable", "is not committed", "fails its checksum") and
 * whether the embedding then read was the writer's. The racy twin,
 * {@code racy.PublishBeforePayloadIsSeenStale}, publishes first and must fail.
 */
@JCStressTest
@Description("SlotFile.fill then SlotFile.publish, as a store's write: a reader whose read check passes sees the whole"
        + " payload")
@Outcome(id = "readable, whole", expect = ACCEPTABLE, desc = "published, and seen whole")
@Outcome(id = "is not committed, .*", expect = ACCEPTABLE, desc = "not published yet: the read refuses the slot")
@Outcome(expect = FORBIDDEN, desc = "the read check passed or saw a bad checksum on a published slot, or a stale payload")
@State
public class StoreCommitIsSeenWhole {

    static final int DIMENSION = 16;
    static final int SLOT_SIZE = SlotLayout.slotSize(DIMENSION);
    static final int BASE = 0;
    static final MemoryWrite WRITE = new MemoryWrite("v", embedding(), 0.7f, 0.25f, 0.1f);

    /** A direct buffer in the engine's byte order, as a mapped chunk is; fresh per state, so never published. */
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);

    @Actor
    public void writer() {
        MemoryModelAccess.fillAndPublishSlot(chunk, BASE, SLOT_SIZE, 4096, 48, WRITE, 7, 1_000L, 2_000L);
    }

    @Actor
    public void reader(LL_Result r) {
        String unreadable = MemoryModelAccess.slotUnreadable(chunk, BASE, SLOT_SIZE);
        r.r1 = unreadable == null ? "readable" : unreadable;
        r.r2 = Arrays.equals(MemoryModelAccess.slotEmbedding(chunk, BASE, DIMENSION), WRITE.embedding())
                ? "whole" : "stale";
    }

    static float[] embedding() {
        float[] values = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            values[i] = i + 0.5f;
        }
        return values;
    }
}
