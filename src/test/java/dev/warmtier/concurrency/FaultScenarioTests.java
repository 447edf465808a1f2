package dev.warmtier.concurrency;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Scenario 6, faults, over HTTP against the correct service: clients that
 * give up mid-body, and a failure inside the engine between claiming a slot and publishing it.
 * Same context as {@link ConcurrencyScenarioTests}; the fault switch is off outside 6b.
 */
@Tag("integration")
class FaultScenarioTests extends ScenarioServiceTests {

    @Autowired
    MeterRegistry meters;

    @Test
    void clientsAbortingMidBodyStoreNothingAndTheServiceKeepsServing() {
        scenarios().abortedRequests("s6a-aborted", this::answeredPuts);
    }

    @Test
    void aFailureBetweenClaimingAndPublishingASlotLeavesOnlyAnAbandonedSlot() {
        scenarios().engineFaults("s6b-engine-faults", faults);
    }

    /** PUT requests the server has finished handling, whatever their outcome. */
    private long answeredPuts() {
        return meters.find("http.server.requests").tag("method", "PUT").timers().stream()
                .mapToLong(Timer::count).sum();
    }
}
