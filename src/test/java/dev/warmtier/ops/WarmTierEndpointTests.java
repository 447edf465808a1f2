package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.DamagedFiles;
import dev.warmtier.engine.SlotLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** {@code /actuator/warmtier} and the warmTier health component over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class WarmTierEndpointTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.check-interval", () -> "0");
    }

    @LocalServerPort
    int port;

    @Test
    void theReportHasTheContractsShapeAndAHealthyStoreReportsZeroEverywhere() throws Exception {
        TestHttp http = new TestHttp(port);
        for (int i = 0; i < 5; i++) {
            http.send("PUT", "/api/v1/spaces/default/memories/r" + i, "{\"content\":\"report " + i + "\"}");
        }
        TestHttp.Response reply = http.send("GET", "/actuator/warmtier", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode space = reply.json().get("spaces").get("default");
        for (String field : new String[] {"slotsAllocated", "slotsLive", "slotCapacity", "contentBytes", "liveContentBytes"}) {
            assertThat(space.has(field)).as(field).isTrue();
        }
        assertThat(space.get("slotsLive").asLong()).isGreaterThanOrEqualTo(5);
        JsonNode invariants = space.get("invariants");
        assertThat(invariants.get("ok").asBoolean()).isTrue();
        for (String count : new String[] {"duplicateSlots", "overlappingContentRanges", "contentLengthMismatchBytes",
                "nonMonotonicSlots", "checksumFailures", "indexMismatches"}) {
            assertThat(invariants.get(count).asLong()).as(count).isZero();
        }
        assertThat(invariants.get("checkedAt").asString()).endsWith("Z");
        assertThat(invariants.has("tookMillis")).isTrue();

        TestHttp.Response one = http.send("GET", "/actuator/warmtier/default", null);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("invariants").get("ok").asBoolean()).isTrue();
        assertThat(http.send("GET", "/actuator/warmtier/no-such-space", null).status()).isEqualTo(404);

        TestHttp.Response health = http.send("GET", "/actuator/health", null);
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        JsonNode component = health.json().get("components").get("warmTier");
        assertThat(component.get("status").asString()).isEqualTo("UP");
        assertThat(component.get("details").get("spaces").get("default").get("violations").asLong()).isZero();
        assertThat(component.get("details").get("freeDiskBytes").asLong()).isPositive();
    }

    @Test
    void infoNamesTheBuildAndTheCommit() {
        TestHttp.Response info = new TestHttp(port).send("GET", "/actuator/info", null);
        assertThat(info.status()).as(info.body()).isEqualTo(200);
        JsonNode build = info.json().get("build");
        assertThat(build.get("artifact").asString()).as(info.body()).isEqualTo("warmtier");
        assertThat(build.get("version").asString()).isNotBlank();
        assertThat(build.get("time").asString()).endsWith("Z");
        JsonNode git = info.json().get("git");
        assertThat(git.get("commit").get("id").asString()).as(info.body()).matches("[0-9a-f]{7,40}");
        assertThat(git.get("branch").asString()).isNotBlank();
    }

    @Test
    void aSpaceDroppedAndCreatedAgainIsNotJudgedByTheOldStoresCheck() throws Exception {
        TestHttp http = new TestHttp(port);
        assertThat(http.send("PUT", "/api/v1/spaces/phoenix", null).status()).isEqualTo(201);
        TestHttp.Response put = http.send("PUT", "/api/v1/spaces/phoenix/memories/x", "{\"content\":\"doomed\"}");
        new DamagedFiles(dataDir.resolve("phoenix"), 4).flipSlotByte(put.json().get("slot").asLong(),
                SlotLayout.EMBEDDING_OFFSET + 1);
        assertThat(http.send("GET", "/actuator/warmtier/phoenix", null).json().get("invariants").get("ok").asBoolean())
                .isFalse();
        assertThat(http.send("GET", "/actuator/health", null).status()).isEqualTo(503);

        assertThat(http.send("DELETE", "/api/v1/spaces/phoenix", null).status()).isEqualTo(204);
        assertThat(http.send("PUT", "/api/v1/spaces/phoenix", null).status()).isEqualTo(201);

        TestHttp.Response health = http.send("GET", "/actuator/health", null);
        assertThat(health.status()).as(health.body()).isEqualTo(200);
        assertThat(health.json().get("components").get("warmTier").get("details").get("spaces").get("phoenix")
                .get("violations").asLong()).isZero();
    }
}
