package dev.warmtier.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** Every memory endpoint over a real HTTP client against the running service. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MemoryApiTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.max-content-bytes", () -> "1000");
        registry.add("warmtier.max-request-bytes", () -> "200000");
        registry.add("warmtier.durability", () -> "none");
    }

    @LocalServerPort
    int port;

    private TestHttp http() {
        return new TestHttp(port);
    }

    private static final String BASE = "/api/v1/spaces/default/memories/";

    @Test
    void putCreatesThenReplacesAndGetReadsItBackWithItsEtag() {
        TestHttp.Response created = http().put(BASE + "thread-0-ep-0",
                "{\"content\":\"Content from thread 0 episode 0\",\"embedding\":[0.0,0.1,0.2,0.3],\"confidence\":0.5}");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        JsonNode m = created.json();
        assertThat(m.get("id").asString()).isEqualTo("thread-0-ep-0");
        assertThat(m.get("space").asString()).isEqualTo("default");
        assertThat(m.get("content").asString()).isEqualTo("Content from thread 0 episode 0");
        assertThat(m.get("embedding").size()).isEqualTo(4);
        assertThat(m.get("confidence").floatValue()).isEqualTo(0.5f);
        assertThat(m.get("activation").floatValue()).isEqualTo(0.0f);
        assertThat(m.get("decayRate").floatValue()).isEqualTo(0.1f);
        assertThat(m.get("createdAt").asString()).endsWith("Z");
        long version = m.get("version").asLong();
        assertThat(created.header("ETag")).isEqualTo("\"" + version + "\"");
        assertThat(m.has("slot")).isTrue();

        TestHttp.Response replaced = http().put(BASE + "thread-0-ep-0", "{\"content\":\"second\"}");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().get("version").asLong()).isGreaterThan(version);
        assertThat(replaced.json().get("createdAt").asString()).isEqualTo(m.get("createdAt").asString());

        TestHttp.Response got = http().get(BASE + "thread-0-ep-0");
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().get("content").asString()).isEqualTo("second");
        assertThat(got.json().get("embedding").size()).isEqualTo(4);
        assertThat(http().get(BASE + "thread-0-ep-0?embedding=false").json().has("embedding")).isFalse();
        assertThat(http().get(BASE + "thread-0-ep-0", "If-None-Match", got.header("ETag")).status()).isEqualTo(304);
    }

    @Test
    void conditionalWritesAnswer412WhenTheirPreconditionFails() {
        TestHttp.Response first = http().put(BASE + "cond", "{\"content\":\"v1\"}", "If-None-Match", "*");
        assertThat(first.status()).isEqualTo(201);
        String etag = first.header("ETag");
        TestHttp.Response again = http().put(BASE + "cond", "{\"content\":\"v2\"}", "If-None-Match", "*");
        assertThat(again.status()).isEqualTo(412);
        assertThat(again.header("Content-Type")).startsWith("application/problem+json");
        assertThat(http().put(BASE + "cond", "{\"content\":\"v2\"}", "If-Match", "\"1\"").status()).isEqualTo(412);
        TestHttp.Response swapped = http().put(BASE + "cond", "{\"content\":\"v2\"}", "If-Match", etag);
        assertThat(swapped.status()).isEqualTo(200);
        assertThat(http().put(BASE + "cond", "{\"content\":\"v3\"}", "If-Match", etag).status()).isEqualTo(412);
        assertThat(http().put(BASE + "cond-absent", "{\"content\":\"x\"}", "If-Match", "*").status()).isEqualTo(412);
        assertThat(http().send("DELETE", BASE + "cond", null, "If-Match", etag).status()).isEqualTo(412);
        assertThat(http().send("DELETE", BASE + "cond", null, "If-Match", swapped.header("ETag")).status()).isEqualTo(204);
        assertThat(http().get(BASE + "cond").status()).isEqualTo(404);
        assertThat(http().send("DELETE", BASE + "cond", null).status()).isEqualTo(404);
    }

    @Test
    void patchChangesOnlyTheFieldsGivenAsANewVersion() {
        http().put(BASE + "patched", "{\"content\":\"keep\",\"embedding\":[1,2,3,4],\"confidence\":0.2}");
        TestHttp.Response patched = http().send("PATCH", BASE + "patched", "{\"confidence\":0.9,\"activation\":null}",
                "Content-Type", "application/merge-patch+json");
        assertThat(patched.status()).as("%s", patched).isEqualTo(200);
        assertThat(patched.json().get("content").asString()).isEqualTo("keep");
        assertThat(patched.json().get("confidence").floatValue()).isEqualTo(0.9f);
        assertThat(patched.json().get("embedding").get(3).floatValue()).isEqualTo(4f);
        assertThat(http().send("PATCH", BASE + "patched", "{\"content\":\"x\"}", "Content-Type", "application/json")
                .status()).isEqualTo(415);
        assertThat(http().send("PATCH", BASE + "nobody", "{\"content\":\"x\"}", "Content-Type",
                "application/merge-patch+json").status()).isEqualTo(404);
        assertThat(http().send("PATCH", BASE + "patched", "{\"version\":3}", "Content-Type",
                "application/merge-patch+json").status()).isEqualTo(400);
        assertThat(http().send("PATCH", BASE + "patched", "{\"confidence\":0.1}", "Content-Type",
                "application/merge-patch+json", "If-Match", "\"1\"").status()).isEqualTo(412);
    }

    @Test
    void postPicksATimeOrderedIdAndAnswersItsLocation() {
        TestHttp.Response a = http().send("POST", "/api/v1/spaces/default/memories", "{\"content\":\"a\"}");
        TestHttp.Response b = http().send("POST", "/api/v1/spaces/default/memories", "{\"content\":\"b\"}");
        assertThat(a.status()).isEqualTo(201);
        String idA = a.json().get("id").asString();
        String idB = b.json().get("id").asString();
        assertThat(idA).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(idA.compareTo(idB)).isNegative();
        assertThat(a.header("Location")).endsWith("/api/v1/spaces/default/memories/" + idA);
        assertThat(http().get(BASE + idA).json().get("content").asString()).isEqualTo("a");
    }

    @Test
    void listingPagesThroughEveryMemoryOnceInIdOrder() {
        http().put("/api/v1/spaces/paging", null);
        for (int i = 0; i < 23; i++) {
            http().put("/api/v1/spaces/paging/memories/" + String.format("p%02d", i), "{\"content\":\"c\"}");
        }
        List<String> ids = new ArrayList<>();
        String next = null;
        do {
            TestHttp.Response page = http().get("/api/v1/spaces/paging/memories?limit=10" + (next == null ? "" : "&after=" + next));
            assertThat(page.status()).isEqualTo(200);
            page.json().get("items").forEach(item -> {
                ids.add(item.get("id").asString());
                assertThat(item.has("embedding")).isFalse();
            });
            JsonNode n = page.json().get("next");
            next = n.isNull() ? null : n.asString();
        } while (next != null);
        assertThat(ids).hasSize(23).isSorted().doesNotHaveDuplicates();
        assertThat(http().get("/api/v1/spaces/paging/memories?limit=0").status()).isEqualTo(400);
        assertThat(http().get("/api/v1/spaces/paging/memories?limit=1001").status()).isEqualTo(400);
        assertThat(http().get("/api/v1/spaces/paging/memories?limit=abc").status()).isEqualTo(400);
        assertThat(http().get("/api/v1/spaces/paging/memories?after=%25%25%25").status()).isEqualTo(400);
    }

    @Test
    void batchAnswersOneResultPerItemInOrder() {
        TestHttp.Response batch = http().send("POST", "/api/v1/spaces/default/memories/batch",
                "{\"memories\":[{\"id\":\"b1\",\"content\":\"one\"},{\"id\":\"b2\",\"content\":\"two\",\"confidence\":7},"
                        + "{\"id\":\"b1\",\"content\":\"one again\"}]}");
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        JsonNode results = batch.json().get("results");
        assertThat(results.size()).isEqualTo(3);
        assertThat(results.get(0).get("status").asInt()).isEqualTo(201);
        assertThat(results.get(1).get("status").asInt()).isEqualTo(400);
        assertThat(results.get(1).get("error").get("errors").get(0).get("field").asString()).isEqualTo("confidence");
        assertThat(results.get(2).get("status").asInt()).isEqualTo(200);
        assertThat(http().get(BASE + "b2").status()).isEqualTo(404);
        assertThat(http().send("POST", "/api/v1/spaces/default/memories/batch", "{\"memories\":[]}").status()).isEqualTo(400);
        StringBuilder tooMany = new StringBuilder("{\"memories\":[");
        for (int i = 0; i < 1001; i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"id\":\"t").append(i).append("\",\"content\":\"\"}");
        }
        TestHttp.Response refused = http().send("POST", "/api/v1/spaces/default/memories/batch", tooMany.append("]}").toString());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("errors").get(0).get("field").asString()).isEqualTo("memories");
        assertThat(http().get(BASE + "t1").status()).as("nothing of a refused batch is stored").isEqualTo(404);
    }

    @Test
    void spacesAreCreatedListedAndDropped() {
        assertThat(http().put("/api/v1/spaces/alpha-1", null).status()).isEqualTo(201);
        assertThat(http().put("/api/v1/spaces/alpha-1", null).status()).isEqualTo(200);
        assertThat(http().get("/api/v1/spaces").json().get("spaces").toString()).contains("\"alpha-1\"", "\"default\"");
        http().put("/api/v1/spaces/alpha-1/memories/x", "{\"content\":\"in alpha\"}");
        assertThat(http().send("DELETE", "/api/v1/spaces/alpha-1", null).status()).isEqualTo(204);
        assertThat(http().get("/api/v1/spaces/alpha-1/memories/x").status()).isEqualTo(404);
        assertThat(http().send("DELETE", "/api/v1/spaces/alpha-1", null).status()).isEqualTo(404);
        assertThat(http().send("DELETE", "/api/v1/spaces/default", null).status()).isEqualTo(400);
        assertThat(http().put("/api/v1/spaces/UP", null).status()).isEqualTo(400);
        assertThat(http().put("/api/v1/spaces/..", null).status()).isIn(400, 404);
        assertThat(http().get("/api/v1/spaces/nope-space/memories/x").status()).isEqualTo(404);
    }

    @Test
    void anIdWithABackslashStoredByBatchIsAddressableByItsPath() {
        TestHttp.Response batch = http().send("POST", BASE + "batch",
                "{\"memories\":[{\"id\":\"C:\\\\dir\\\\file\",\"content\":\"windows\"}]}");
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        assertThat(batch.json().get("results").get(0).get("status").asInt()).as("%s", batch).isEqualTo(201);

        TestHttp.Response get = http().get(BASE + "C:%5Cdir%5Cfile");
        assertThat(get.status()).as("%s", get).isEqualTo(200);
        assertThat(get.json().get("id").asString()).isEqualTo("C:\\dir\\file");
        assertThat(http().send("DELETE", BASE + "C:%5Cdir%5Cfile", null).status()).isEqualTo(204);
    }

    @Test
    void idsMayHoldAnyUnicodeIncludingAnEncodedSlash() {
        TestHttp.Response put = http().put(BASE + "caf%C3%A9%2F%E6%BC%A2", "{\"content\":\"unicode\"}");
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.json().get("id").asString()).isEqualTo("café/漢");
        assertThat(http().get(BASE + "caf%C3%A9%2F%E6%BC%A2").json().get("content").asString()).isEqualTo("unicode");
    }
}
