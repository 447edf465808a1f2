package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.system.WarmTierProperties;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The automatic compaction: which spaces are due, and that the schedule compacts them without being asked. */
class SpaceCompactionsTests {

    private static final int DIMENSION = 4;

    @TempDir
    Path dataDir;

    private WarmTierProperties properties(Duration interval, double deadShare, long minBytes) {
        return new WarmTierProperties(dataDir, DIMENSION, Durability.NONE, Duration.ofMillis(100), 1024, 1L << 20,
                Duration.ZERO, 0.1, 1L << 20, new WarmTierProperties.Compaction(interval, deadShare, minBytes));
    }

    /** {@code rounds} writes of each of 10 ids: a dead share of {@code (rounds - 1) / rounds}. */
    private static void write(MemoryStore store, int rounds) {
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 10; i++) {
                store.put("m" + i, new MemoryWrite("round " + round, null, 0.7f, 0f, 0.1f));
            }
        }
    }

    @Test
    void aSpacePastTheDeadShareAndTheMinimumSizeIsCompactedAndTheOthersAreNot() {
        WarmTierProperties properties = properties(Duration.ZERO, 0.5, 0);
        try (SpaceRegistry registry = new SpaceRegistry(properties)) {
            SpaceCompactions compactions = new SpaceCompactions(registry, properties);
            registry.create("churned");
            registry.create("fresh");
            MemoryStore churned = registry.get("churned").orElseThrow();
            MemoryStore fresh = registry.get("fresh").orElseThrow();
            write(churned, 3); // two thirds dead
            write(fresh, 1);   // none dead
            assertThat(compactions.due(churned)).isTrue();
            assertThat(compactions.due(fresh)).isFalse();
            assertThat(compactions.due(registry.get("default").orElseThrow())).as("empty").isFalse();

            compactions.compactWhereDue();

            assertThat(churned.lastCompaction()).hasValueSatisfying(r -> assertThat(r.slotsAfter()).isEqualTo(10));
            assertThat(fresh.lastCompaction()).isEmpty();
            assertThat(compactions.due(churned)).as("nothing dead after it").isFalse();
        }
    }

    @Test
    void aSpaceBelowTheMinimumSizeIsLeftAloneWhateverItsDeadShare() {
        WarmTierProperties properties = properties(Duration.ZERO, 0.5, 1L << 40);
        try (SpaceRegistry registry = new SpaceRegistry(properties)) {
            SpaceCompactions compactions = new SpaceCompactions(registry, properties);
            MemoryStore store = registry.get("default").orElseThrow();
            write(store, 5);
            assertThat(compactions.due(store)).isFalse();
        }
    }

    @Test
    void theScheduleCompactsADueSpaceWithoutBeingAsked() throws Exception {
        WarmTierProperties properties = properties(Duration.ofMillis(20), 0.5, 0);
        try (SpaceRegistry registry = new SpaceRegistry(properties)) {
            SpaceCompactions compactions = new SpaceCompactions(registry, properties);
            MemoryStore store = registry.get("default").orElseThrow();
            write(store, 4);
            compactions.afterPropertiesSet();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> store.lastCompaction().isPresent());
                assertThat(store.stats().slotsAllocated()).isEqualTo(10);
            } finally {
                compactions.destroy();
            }
        }
    }
}
