package dev.warmtier.jcstress;

import static dev.warmtier.jcstress.SlotReads.BASE;
import static dev.warmtier.jcstress.SlotReads.CONTENT_OFFSET;
import static dev.warmtier.jcstress.SlotReads.RECORD_LENGTH;
import static dev.warmtier.jcstress.SlotReads.SLOT_SIZE;
import static dev.warmtier.jcstress.SlotReads.WRITE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.MemoryModelAccess;
import java.nio.ByteBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * A write's slot as the store itself fills and publishes it: the writer runs the store's own
 * {@code SlotFile.fill} then {@code SlotFile.publish} (the methods {@code SlotAppender.claim} and
 * {@code SlotAppender.publish} call), not a hand-written order; the reader runs {@code SlotFile.unreadable}, the
 * check {@code MemoryReader.read} starts with, then reads the embedding. A reordering inside those
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

    /** Fresh per state, so every reader starts from a blank, never-published slot. */
    private final ByteBuffer chunk = SlotReads.blankSlot();

    @Actor
    public void writer() {
        MemoryModelAccess.fillAndPublishSlot(chunk, BASE, SLOT_SIZE, CONTENT_OFFSET, RECORD_LENGTH, WRITE, 7, 1_000L,
                2_000L);
    }

    @Actor
    public void reader(LL_Result r) {
        SlotReads.readAsAStoreDoes(chunk, r);
    }
}
