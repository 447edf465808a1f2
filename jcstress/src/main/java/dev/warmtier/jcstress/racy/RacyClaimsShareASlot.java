package dev.warmtier.jcstress.racy;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.warmtier.engine.RacySlotAllocator;
import dev.warmtier.jcstress.SlotClaims;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * The same test as {@code AtomicClaimsNeverShareASlot}, with the same outcome table, on an
 * allocator with the read-use-increment slot race (read the counter, use the slot, then
 * increment; test code of the application). This one is MEANT to fail: it must show the forbidden {@code 0, 0, 2}, which
 * proves that jcstress, run this way, catches a claim that is not one atomic step.
 * {@code .ci/jcstress.sh} runs it on its own and fails the build if it does NOT fail.
 */
@JCStressTest
@Description("RacySlotAllocator (deliberately broken): two concurrent claims get the same slot; this test must FAIL")
@Outcome(id = {"0, 1, 2", "1, 0, 2"}, expect = ACCEPTABLE, desc = "distinct slots, the mark covers both")
@Outcome(id = {"0, 0, .*", "1, 1, .*"}, expect = FORBIDDEN, desc = "both writers got the same slot")
@Outcome(expect = FORBIDDEN, desc = "a slot or a mark that no sequence of two claims produces")
@State
public class RacyClaimsShareASlot {

    private final RacySlotAllocator allocator = new RacySlotAllocator(0);

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
