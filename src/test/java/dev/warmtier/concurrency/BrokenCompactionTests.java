package dev.warmtier.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.engine.CopyThenSwapCompactor;
import dev.warmtier.space.StoreOptionsCustomizer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The control of {@link CompactionLinearizabilityTests}: the same run with the service's compaction
 * replaced by {@link CopyThenSwapCompactor} (copy, then swap, dropping what was written in between;
 * test configuration only) must be caught: some key's history is not linearizable, and the
 * checker's explanation (printed) shows the lost write.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class BrokenCompactionTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.check-interval", () -> "0");
        registry.add("warmtier.compaction.interval", () -> "0");
    }

    @TestConfiguration
    static class CopyThenSwap {
        @Bean
        StoreOptionsCustomizer copyThenSwap() {
            return CopyThenSwapCompactor::into;
        }
    }

    @LocalServerPort
    int port;

    @Test
    void aCopyThenSwapCompactionIsCaughtLosingWrites() throws Exception {
        Map<String, String> failures = CompactionLinearizabilityTests.run(port, "lin-broken");
        System.out.println("what the check says of the copy-then-swap compaction:\n"
                + String.join("\n", failures.values()));
        assertThat(failures).as("keys whose history the checker rejected").isNotEmpty();
    }
}
