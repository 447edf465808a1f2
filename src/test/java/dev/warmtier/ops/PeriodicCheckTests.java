package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.DamagedFiles;
import dev.warmtier.engine.SlotLayout;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Damage written into a live store's slot file is found by the background check on its own, and
 * turns health DOWN; the report names the kind of damage.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class PeriodicCheckTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.check-interval", () -> "100ms");
    }

    @LocalServerPort
    int port;

    @Test
    void thePeriodicCheckTurnsHealthDownAfterAByteOfASlotFlips() throws Exception {
        TestHttp http = new TestHttp(port);
        TestHttp.Response put = http.send("PUT", "/api/v1/spaces/default/memories/victim", "{\"content\":\"soon damaged\"}");
        assertThat(put.status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> http.send("GET", "/actuator/health", null).status() == 200);

        new DamagedFiles(dataDir.resolve("default"), 4)
                .flipSlotByte(put.json().get("slot").asLong(), SlotLayout.EMBEDDING_OFFSET + 1);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TestHttp.Response health = http.send("GET", "/actuator/health", null);
            assertThat(health.status()).as(health.body()).isEqualTo(503);
            assertThat(health.json().get("components").get("warmTier").get("status").asString()).isEqualTo("DOWN");
        });
        TestHttp.Response report = http.send("GET", "/actuator/warmtier/default", null);
        assertThat(report.json().get("invariants").get("checksumFailures").asLong()).isEqualTo(1);
        assertThat(report.json().get("invariants").get("ok").asBoolean()).isFalse();
        // Reads of the damaged memory fail loudly instead of serving bad bytes.
        assertThat(http.send("GET", "/api/v1/spaces/default/memories/victim", null).status()).isEqualTo(500);
    }
}
