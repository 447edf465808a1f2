package dev.warmtier.jcstress.racy;

import static dev.warmtier.jcstress.SlotReads.BASE;
import static dev.warmtier.jcstress.SlotReads.CONTENT_OFFSET;
import static dev.warmtier.jcstress.SlotReads.RECORD_LENGTH;
import static dev.warmtier.jcstress.SlotReads.SLOT_SIZE;
import static dev.warmtier.jcstress.SlotReads.WRITE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.MemoryModelAccess;
import dev.warmtier.engine.SlotLayout;
import dev.warmtier.jcstress.SlotReads;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * The same test and outcome table as {@code StoreCommitIsSeenWhole}, with the commit order broken
 * on purpose (test code only): the writer publishes the committed state with the release store
 * FIRST, then fills the payload and writes version and checksum. This one is MEANT to fail: a
 * reader that samples between the publish and the payload sees a committed slot whose checksum
 * fails, or a stale embedding. {@code .ci/jcstress.sh} runs it on its own and fails the build if
 * it does NOT fail.
 *
 * <p>What it proves: the outcome table and the read check catch a slot published before its
 * bytes, and jcstress's interleavings reach that window. The window is in program order, so x86
 * shows it; it does not prove that a missing fence (a plain store in place of the release) would
 * be caught on x86: see docs/memory-model.md.
 */
@JCStressTest
@Description("Slot published before its payload (deliberately broken): a reader sees a committed slot with a stale"
        + " payload; this test must FAIL")
@Outcome(id = "readable, whole", expect = ACCEPTABLE, desc = "published, and seen whole")
@Outcome(id = "is not committed, .*", expect = ACCEPTABLE, desc = "not published yet: the read refuses the slot")
@Outcome(expect = FORBIDDEN, desc = "the read check passed or saw a bad checksum on a published slot, or a stale payload")
@State
public class PublishBeforePayloadIsSeenStale {

    /** Fresh per state, so every reader starts from a blank, never-published slot. */
    private final ByteBuffer chunk = SlotReads.blankSlot();

    @Actor
    public void writer() {
        MemoryModelAccess.publishSlot(chunk, BASE, SlotLayout.STATE_COMMITTED);
        CRC32C payload = MemoryModelAccess.fillSlot(chunk, BASE, SLOT_SIZE, CONTENT_OFFSET, RECORD_LENGTH, WRITE);
        MemoryModelAccess.writeSlotVersioned(chunk, BASE, payload, 7, 1_000L, 2_000L);
    }

    @Actor
    public void reader(LL_Result r) {
        SlotReads.readAsAStoreDoes(chunk, r);
    }
}
