package dev.warmtier.concurrency;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Concurrency scenarios 1 to 5 and 7, over HTTP against the correct service (see {@link Scenarios}
 * for what each one checks). {@link RacyAllocatorScenarioTests} runs 1, 5 and 7 against an
 * allocator with the read-use-increment slot race and shows that they fail there. They run in
 * scenario order, so their figures compare run to run (the first one also pays for warming the JIT
 * up).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConcurrencyScenarioTests extends ScenarioServiceTests {

    @Test
    @Order(1)
    void concurrentStoresNeverShareASlotOrVersionAndReadBackExactly() {
        scenarios().concurrentStores("s1-concurrent-stores");
    }

    @Test
    @Order(2)
    void concurrentGetsAlwaysAnswerTheExactContentWithoutAPathologicalTail() {
        scenarios().concurrentGets("s2-concurrent-gets");
    }

    @Test
    @Order(3)
    void readersNeverSeePartOfAMemoryWhileWritersStoreThem() {
        scenarios().mixedReadsAndWrites("s3-mixed");
    }

    @Test
    @Order(4)
    void hotSpotReadersSeeOnlyWholeWrittenValuesAndVersionsNeverGoBack() {
        scenarios().hotSpot("s4-hot-spot");
    }

    @Test
    @Order(5)
    void writersOfTheSameIdsLeaveEachAtItsHighestAcknowledgedVersion() {
        scenarios().writerWriter("s5-writer-writer");
    }

    @Test
    @Order(7)
    void anyWorkersMemoriesSizesAndIdsReadBackExactlyWithACleanReport() {
        scenarios().property("s7-property", 20, 10);
    }
}
