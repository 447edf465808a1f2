package dev.warmtier.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.AtomicSlotAllocator;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * Two writers claim a slot from the production allocator at the same time. Result: the slot each
 * got, then the allocator's next-slot mark after both.
 */
@JCStressTest
@Description("AtomicSlotAllocator: two concurrent claims (claim, then used, as a write does) never get the same slot,"
        + " and the next-slot mark ends above both")
@Outcome(id = {"0, 1, 2", "1, 0, 2"}, expect = ACCEPTABLE, desc = "distinct slots, the mark covers both")
@Outcome(id = {"0, 0, .*", "1, 1, .*"}, expect = FORBIDDEN, desc = "both writers got the same slot")
@Outcome(expect = FORBIDDEN, desc = "a slot or a mark that no sequence of two claims produces")
@State
public class AtomicClaimsNeverShareASlot {

    private final AtomicSlotAllocator allocator = new AtomicSlotAllocator(0);

    @Actor
    public void writer1(JJJ_Result r) {
        r.r1 = SlotClaims.claimAsAWriteDoes(allocator);
    }

    @Actor
    public void writer2(JJJ_Result r) {
        r.r2 = SlotClaims.claimAsAWriteDoes(allocator);
    }

    @Arbiter
    public void mark(JJJ_Result r) {
        r.r3 = allocator.next();
    }
}
