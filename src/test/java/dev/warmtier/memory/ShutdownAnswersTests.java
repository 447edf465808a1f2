package dev.warmtier.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.ops.WarmTierMeters;
import dev.warmtier.space.SpaceRegistry;
import dev.warmtier.system.WarmTierProperties;
import dev.warmtier.system.NotFoundException;
import dev.warmtier.system.Precondition;
import dev.warmtier.system.ProblemDetailsAdvice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While the service shuts down, requests answer 503 (come back later), not 404 (it does not
 * exist); a space dropped under a request still answers 404.
 */
class ShutdownAnswersTests {

    @TempDir
    Path dataDir;

    private WarmTierProperties properties() {
        return new WarmTierProperties(dataDir, 4, Durability.NONE, Duration.ofMillis(100), 1000);
    }

    private SpaceRegistry registry() {
        return new SpaceRegistry(properties());
    }

    private MemoryService service(SpaceRegistry registry) {
        return new MemoryService(registry, new WarmTierMeters(new SimpleMeterRegistry(), registry), properties());
    }

    @Test
    void requestsDuringShutdownAre503NotFound() {
        SpaceRegistry registry = registry();
        MemoryService service = service(registry);
        service.put("default", "k", new MemoryBody("v", null, null, null, null), Precondition.NONE);
        registry.close();

        assertThatThrownBy(() -> service.get("default", "k", true, Precondition.NONE)).isInstanceOf(StoreClosedException.class)
                .satisfies(e -> assertThat(ProblemDetailsAdvice.problemFor(e).getStatus()).isEqualTo(503));
        assertThatThrownBy(() -> registry.create("other")).isInstanceOf(StoreClosedException.class);
    }

    @Test
    void aSpaceDroppedUnderARequestIs404() {
        try (SpaceRegistry registry = registry()) {
            MemoryService service = service(registry);
            registry.create("doomed");
            registry.drop("doomed");
            assertThatThrownBy(() -> service.get("doomed", "k", true, Precondition.NONE)).isInstanceOf(NotFoundException.class);
        }
    }
}
