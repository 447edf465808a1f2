package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.RunningService;
import dev.warmtier.SmallTmpfs;
import dev.warmtier.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole service on a real, small tmpfs that fills up ({@link SmallTmpfs}; {@code .ci/run}
 * mounts it): writes answer 507 problems and take nothing however often they are retried, reads
 * and deletes go on, a space create fails leaving nothing, writes resume without a restart as soon
 * as room is freed, and a restart finds everything acknowledged. Prints the responses in order.
 */
@Tag("integration")
class DiskFullApiTests {

    private static final String MEMORIES = "/api/v1/spaces/default/memories/";

    private static String body(int i) {
        return "{\"content\":\"" + ("memory " + i + " ").repeat(400) + "\"}";
    }

    @Test
    void aFullDiskAnswers507WithoutWasteKeepsReadsAndDeletesAndWritesResumeOnceRoomIsFreed() throws Exception {
        List<String> sequence = new ArrayList<>();
        Map<String, String> acknowledged = new LinkedHashMap<>();
        try (SmallTmpfs fs = SmallTmpfs.acquire()) {
            Path dataDir = fs.dir().resolve("data");
            Path filler = fs.fill("filler", fs.store().getTotalSpace() / 2);
            try (ConfigurableApplicationContext service = RunningService.start(dataDir)) {
                TestHttp http = RunningService.http(service);
                TestHttp.Response response = null;
                int i = 0;
                for (; i < 100_000; i++) {
                    response = http.put(MEMORIES + "m-" + i, body(i));
                    if (response.status() != 201) {
                        break;
                    }
                    acknowledged.put("m-" + i, response.json().get("content").asString());
                }
                sequence.add(i + " x PUT memory -> 201");
                assertThat(response.status()).as("%s", response).isEqualTo(507);
                assertThat(response.header("Content-Type")).startsWith("application/problem+json");
                assertThat(response.json().get("status").asInt()).isEqualTo(507);
                assertThat(response.json().get("type").asString()).endsWith("insufficient-storage");
                sequence.add("PUT memory -> 507 " + response.json().get("title").asString());

                fs.fill("the-rest", Long.MAX_VALUE); // not a byte left
                String allocated = slotsAllocated(http);
                int refused = 0;
                for (int retry = 0; retry < 200; retry++) {
                    refused += http.put(MEMORIES + "retry-" + (retry % 7), body(retry)).status() == 507 ? 1 : 0;
                }
                assertThat(refused).isEqualTo(200);
                assertThat(slotsAllocated(http)).as("200 refused writes took no slot").isEqualTo(allocated);
                sequence.add("200 x PUT memory (disk without a free byte) -> 507, slots allocated unchanged");

                TestHttp.Response read = http.get(MEMORIES + "m-0");
                assertThat(read.status()).isEqualTo(200);
                assertThat(read.json().get("content").asString()).isEqualTo(acknowledged.get("m-0"));
                sequence.add("GET memory -> 200");
                assertThat(http.send("DELETE", MEMORIES + "m-1", null).status()).isEqualTo(204);
                acknowledged.remove("m-1");
                sequence.add("DELETE memory -> 204");
                assertThat(http.get(MEMORIES + "m-1").status()).isEqualTo(404);

                TestHttp.Response create = http.put("/api/v1/spaces/made-on-a-full-disk", null);
                assertThat(create.status()).as("%s", create).isEqualTo(507);
                sequence.add("PUT space -> 507");
                try (var entries = Files.list(dataDir)) {
                    assertThat(entries.map(p -> p.getFileName().toString())).as("what the failed create left")
                            .containsExactly("default");
                }
                assertThat(http.get("/api/v1/spaces").json().get("spaces").toString()).isEqualTo("[\"default\"]");

                Files.delete(filler);
                TestHttp.Response resumed = http.put(MEMORIES + "resumed", body(-1));
                assertThat(resumed.status()).as("the first write after room was freed: %s", resumed).isEqualTo(201);
                acknowledged.put("resumed", resumed.json().get("content").asString());
                sequence.add("(half the disk freed, no restart) PUT memory -> 201");
                Files.delete(dataDir.getParent().getParent().resolve("the-rest"));
            }
            try (ConfigurableApplicationContext restarted = RunningService.start(dataDir)) {
                TestHttp http = RunningService.http(restarted);
                for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                    TestHttp.Response got = http.get(MEMORIES + e.getKey());
                    assertThat(got.status()).as(e.getKey()).isEqualTo(200);
                    assertThat(got.json().get("content").asString()).as(e.getKey()).isEqualTo(e.getValue());
                }
                assertThat(http.get(MEMORIES + "m-1").status()).isEqualTo(404);
                assertThat(http.get("/api/v1/spaces").json().get("spaces").toString()).isEqualTo("[\"default\"]");
                sequence.add("(restart) GET of all " + acknowledged.size() + " acknowledged -> 200, the deleted -> 404");
            }
        }
        System.out.println("[disk full] " + String.join("; ", sequence));
    }

    private static String slotsAllocated(TestHttp http) {
        return http.get("/actuator/warmtier/default").json().get("slotsAllocated").asString();
    }
}
