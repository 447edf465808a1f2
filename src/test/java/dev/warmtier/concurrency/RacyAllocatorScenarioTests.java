package dev.warmtier.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warmtier.engine.RacySlotAllocator;
import dev.warmtier.space.StoreOptionsCustomizer;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Scenarios 1, 5 and 7 against a service wired (by this test configuration only) with
 * {@link RacySlotAllocator}, which reads the slot counter, uses the slot and only then increments
 * (the read-use-increment slot race): each scenario must fail, or passing it against the correct
 * service would prove nothing. What each one found is printed; it is the evidence that the suite
 * catches the race.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RacyAllocatorScenarioTests {

    static final Path DATA_DIR = ScenarioService.freshDataDir("racy");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ScenarioService.register(registry, DATA_DIR);
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class RacyAllocator {
        @Bean
        StoreOptionsCustomizer racyAllocatorAndSmallChunks() {
            return options -> ScenarioService.smallChunks(options).withAllocator(RacySlotAllocator::new);
        }
    }

    @LocalServerPort
    int port;

    @Test
    void concurrentStoresCatchTheRacyAllocator() {
        assertCaught(() -> new Scenarios(port).concurrentStores("racy-s1-concurrent-stores"));
    }

    @Test
    void writerWriterCatchesTheRacyAllocator() {
        assertCaught(() -> new Scenarios(port).writerWriter("racy-s5-writer-writer"));
    }

    @Test
    void thePropertyCatchesTheRacyAllocator() {
        assertCaught(() -> new Scenarios(port).property("racy-s7-property", 20, 3));
    }

    /**
     * Findings only slot sharing explains: one slot acknowledged to several writes, the report's
     * duplicates, or a read finding another write's version or id in its slot. A failure for any
     * other reason (a hang, a bad request) would not show that the scenario catches the race.
     */
    private static final Pattern RACE_EVIDENCE = Pattern.compile("given to \\d+ acknowledged writes|writes in flight together"
            + "|duplicateSlots=[1-9]|overlappingContentRanges=[1-9]|holds version|holds id");

    private static void assertCaught(Runnable scenario) {
        assertThatThrownBy(scenario::run)
                .as("a scenario passed against the racy allocator, so it cannot catch the read-use-increment slot race")
                .isInstanceOf(AssertionError.class)
                .satisfies(caught -> System.out.println("caught the racy allocator: " + withoutStack(caught)))
                .satisfies(caught -> assertThat(RACE_EVIDENCE.matcher(caught.getMessage()).find())
                        .as("the failure names no shared slot: %s", caught.getMessage()).isTrue());
    }

    /** The message alone: QuickTheories appends the cause's stack trace to its own. */
    private static String withoutStack(Throwable caught) {
        String message = caught.getMessage();
        int stack = message.indexOf("\n\tat ");
        return stack < 0 ? message : message.substring(0, stack);
    }
}
