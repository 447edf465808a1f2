package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.HeldCompactor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/spaces/{space}/compact} over HTTP: its report, the memories unchanged after
 * it, the problem details for a bad or unknown space and for a second compaction while one runs,
 * and the compaction in {@code /actuator/warmtier}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CompactionApiTests {

    private static final String HELD = "held-space";
    static final CountDownLatch COPIED = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
        registry.add("warmtier.compaction.interval", () -> "0");
    }

    @TestConfiguration
    static class Held {
        @Bean
        StoreOptionsCustomizer heldCompaction() {
            return options -> HeldCompactor.into(options, HELD, COPIED, RELEASE);
        }
    }

    @LocalServerPort
    int port;

    private TestHttp http() {
        return new TestHttp(port);
    }

    @Test
    void compactionAnswersWhatItDidAndLeavesEveryMemoryAsItWas() {
        String space = "/api/v1/spaces/compacted";
        assertThat(http().put(space, null).status()).isEqualTo(201);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++) {
                assertThat(http().put(space + "/memories/m" + i, "{\"content\":\"round " + round + " of m" + i + "\"}")
                        .status()).isIn(200, 201);
            }
        }
        for (int i = 0; i < 20; i += 2) {
            assertThat(http().send("DELETE", space + "/memories/m" + i, null).status()).isEqualTo(204);
        }
        TestHttp.Response before = http().get(space + "/memories/m1");

        TestHttp.Response compacted = http().send("POST", space + "/compact", null);

        assertThat(compacted.status()).as(compacted.toString()).isEqualTo(200);
        assertThat(compacted.header("Content-Type")).startsWith("application/json");
        JsonNode report = compacted.json();
        assertThat(List.copyOf(report.propertyNames()))
                .containsExactly("slotsBefore", "slotsAfter", "bytesBefore", "bytesAfter", "tookMillis");
        assertThat(report.get("slotsBefore").asLong()).isEqualTo(70);
        assertThat(report.get("slotsAfter").asLong()).isEqualTo(10);
        assertThat(report.get("bytesAfter").asLong()).isLessThanOrEqualTo(report.get("bytesBefore").asLong());
        assertThat(report.get("tookMillis").asLong()).isNotNegative();

        TestHttp.Response after = http().get(space + "/memories/m1");
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.header("ETag")).isEqualTo(before.header("ETag"));
        assertThat(after.json().get("content").asString()).isEqualTo("round 2 of m1");
        assertThat(after.json().get("createdAt")).isEqualTo(before.json().get("createdAt"));
        assertThat(http().get(space + "/memories/m0").status()).isEqualTo(404);
        assertThat(http().get(space + "/memories?limit=1000").json().get("items").size()).isEqualTo(10);

        JsonNode actuator = http().get("/actuator/warmtier/compacted").json();
        assertThat(actuator.get("invariants").get("ok").asBoolean()).isTrue();
        assertThat(actuator.get("deadShare").asDouble()).isZero();
        assertThat(actuator.get("compaction").get("runs").asLong()).isEqualTo(1);
        assertThat(actuator.get("compaction").get("last").get("generation").asLong()).isEqualTo(1);
        assertThat(actuator.get("compaction").get("last").get("slotsAfter").asLong()).isEqualTo(10);
    }

    @Test
    void anUnknownSpaceIs404AndABadNameIs400() {
        TestHttp.Response unknown = http().send("POST", "/api/v1/spaces/no-such-space/compact", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
        TestHttp.Response bad = http().send("POST", "/api/v1/spaces/NO/compact", null);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").get(0).get("field").asString()).isEqualTo("space");
        TestHttp.Response get = http().get("/api/v1/spaces/default/compact");
        assertThat(get.status()).isEqualTo(405);
    }

    @Test
    void aSecondCompactionWhileOneRunsIs409AndTheFirstFinishes() throws Exception {
        String space = "/api/v1/spaces/" + HELD;
        assertThat(http().put(space, null).status()).isEqualTo(201);
        assertThat(http().put(space + "/memories/a", "{\"content\":\"a\"}").status()).isEqualTo(201);
        CompletableFuture<TestHttp.Response> first = CompletableFuture.supplyAsync(
                () -> http().send("POST", space + "/compact", null));
        try {
            assertThat(COPIED.await(30, TimeUnit.SECONDS)).as("the first compaction copied").isTrue();
            TestHttp.Response second = http().send("POST", space + "/compact", null);
            assertThat(second.status()).as(second.toString()).isEqualTo(409);
            assertThat(second.header("Content-Type")).startsWith("application/problem+json");
            assertThat(second.json().get("detail").asString()).contains("running already");
            JsonNode actuator = http().get("/actuator/warmtier/" + HELD).json();
            assertThat(actuator.get("compaction").get("running").asBoolean()).isTrue();
            assertThat(http().put(space + "/memories/b", "{\"content\":\"b\"}").status())
                    .as("writes go on while it runs").isEqualTo(201);
        } finally {
            RELEASE.countDown();
        }
        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(http().get(space + "/memories/b").json().get("content").asString()).isEqualTo("b");
    }
}
