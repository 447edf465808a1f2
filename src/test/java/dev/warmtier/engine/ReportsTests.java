package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The sums the health indicator and the meters read off the reports. */
class ReportsTests {

    @Test
    void violationsAreTheSumOfEveryCountAndOnlyOfThem() {
        // Distinct powers of two: any count left out, doubled or subtracted shows in the sum.
        InvariantReport.Invariants invariants = new InvariantReport.Invariants(false, 1, 2, 4, 8, 16, 32,
                Instant.EPOCH, 64);
        InvariantReport report = new InvariantReport(0, 0, 0, 0, 0, invariants);
        assertThat(report.violations()).isEqualTo(63);
    }

    @Test
    void discardedCountsSlotsAndRecordsAndOneForEachRepairOfTheLog() {
        RecoveryReport report = new RecoveryReport(false, false, 100, 90, 1, 2, 64, 4,
                5000, 7000, 80, 10, 99, 1_000_000, false, 2, 1, 3);
        // torn 1 + invalid 2 + abandoned records 4 + a truncation (1, whatever its bytes) + a bridge (1);
        // abandoned slots (64) are a normal outcome of failed preconditions, not data thrown away.
        assertThat(report.discarded()).isEqualTo(9);
        RecoveryReport clean = new RecoveryReport(false, false, 100, 90, 0, 0, 64, 0, 0, 0, 80, 10, 99, 1_000_000,
                false, 2, 1, 3);
        assertThat(clean.discarded()).isZero();
        assertThat(clean.recovered()).isTrue();
    }

    @Test
    void onlyAFailedPreconditionIsNotStored() {
        assertThat(PutResult.Status.CREATED.isStored()).isTrue();
        assertThat(PutResult.Status.REPLACED.isStored()).isTrue();
        assertThat(PutResult.Status.PRECONDITION_FAILED.isStored()).isFalse();
    }

    @Test
    void pacedWorkPausesAfterEveryBatchAndNotBefore() {
        int[] pauses = new int[1];
        PacedWork work = new PacedWork(() -> pauses[0]++);
        for (int i = 0; i < CheckPace.BATCH - 1; i++) {
            work.unitDone();
        }
        assertThat(pauses[0]).isZero();
        work.unitDone();
        assertThat(pauses[0]).isEqualTo(1);
        for (int i = 0; i < CheckPace.BATCH; i++) {
            work.unitDone();
        }
        assertThat(pauses[0]).isEqualTo(2);
    }
}
