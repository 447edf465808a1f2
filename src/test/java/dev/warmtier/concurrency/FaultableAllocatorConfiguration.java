package dev.warmtier.concurrency;

import dev.warmtier.space.StoreOptionsCustomizer;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Test wiring of the correct scenario service: every space's store gets small chunks and the
 * production allocator behind a {@link FaultingSlotAllocator} switch, off until a test arms it.
 * Top-level and imported, not nested, so that it is the same configuration for every subclass
 * of {@link ScenarioServiceTests} (hence one cached context).
 */
@TestConfiguration(proxyBeanMethods = false)
class FaultableAllocatorConfiguration {

    @Bean
    FaultingSlotAllocator.Faults slotFaults() {
        return new FaultingSlotAllocator.Faults();
    }

    @Bean
    StoreOptionsCustomizer faultableAllocatorAndSmallChunks(FaultingSlotAllocator.Faults faults) {
        return options -> ScenarioService.smallChunks(options)
                .withAllocator(firstFree -> new FaultingSlotAllocator(firstFree, faults));
    }
}
