package dev.warmtier.concurrency;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The correct service every scenario class runs against: one Spring context, cached and shared
 * by all subclasses (same configuration, same properties), with each scenario in a space of its
 * own. Its allocator is the production one behind a {@link FaultingSlotAllocator} switch, disarmed
 * unless a fault scenario arms it ({@link FaultableAllocatorConfiguration}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(FaultableAllocatorConfiguration.class)
abstract class ScenarioServiceTests {

    static final Path DATA_DIR = ScenarioService.freshDataDir("service");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ScenarioService.register(registry, DATA_DIR);
    }

    @LocalServerPort
    int port;

    @Autowired
    FaultingSlotAllocator.Faults faults;

    Scenarios scenarios() {
        return new Scenarios(port);
    }

    /** A fault left armed would fail the next class's writes in this shared context. */
    @AfterEach
    void disarmFaults() {
        faults.disarm();
    }
}
