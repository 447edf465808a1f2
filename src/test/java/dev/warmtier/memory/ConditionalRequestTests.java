package dev.warmtier.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.support.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Conditional requests per RFC 9110, section 13, on every method: If-Match (strong comparison)
 * and If-None-Match (weak comparison), each {@code *} or a list of ETags. A failing condition
 * changes nothing; a request that would be 404 without its conditions stays 404.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConditionalRequestTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
    }

    private static final String M = "/api/v1/spaces/default/memories/";
    private static final String MERGE_PATCH = "application/merge-patch+json";

    @LocalServerPort
    int port;

    private TestHttp http() {
        return new TestHttp(port);
    }

    /** Stores {@code id} and answers its ETag. */
    private String stored(String id) {
        TestHttp.Response put = http().put(M + id, "{\"content\":\"first\"}");
        assertThat(put.status()).as("%s", put).isIn(200, 201);
        return put.header("ETag");
    }

    private String etagOf(String id) {
        return http().get(M + id).header("ETag");
    }

    private static String other(String etag) {
        return "\"" + (Long.parseLong(etag.replace("\"", "")) + 1000) + "\"";
    }

    @Test
    void getWithAFailingIfMatchIs412() {
        String etag = stored("g-412");
        assertThat(http().get(M + "g-412", "If-Match", other(etag)).status()).isEqualTo(412);
        assertThat(http().get(M + "g-412", "If-Match", "W/" + etag).status()).as("weak never matches If-Match")
                .isEqualTo(412);
        assertThat(http().get(M + "g-412", "If-Match", other(etag) + ", " + etag).status()).isEqualTo(200);
        assertThat(http().get(M + "g-412", "If-Match", "*").status()).isEqualTo(200);
        assertThat(http().get(M + "g-absent", "If-Match", "*").status()).as("404 without the condition").isEqualTo(404);
    }

    @Test
    void getWithAFailingIfNoneMatchIs304WithTheEtag() {
        String etag = stored("g-304");
        TestHttp.Response star = http().get(M + "g-304", "If-None-Match", "*");
        assertThat(star.status()).isEqualTo(304);
        assertThat(star.header("ETag")).isEqualTo(etag);
        assertThat(star.body()).isEmpty();
        assertThat(http().get(M + "g-304", "If-None-Match", "W/" + etag).status()).as("weak comparison").isEqualTo(304);
        assertThat(http().get(M + "g-304", "If-None-Match", other(etag) + ", " + etag).status()).isEqualTo(304);
        assertThat(http().get(M + "g-304", "If-None-Match", other(etag)).status()).isEqualTo(200);
        assertThat(http().get(M + "g-absent", "If-None-Match", "*").status()).isEqualTo(404);
    }

    @Test
    void putWithIfNoneMatchListingTheCurrentVersionIs412() {
        String etag = stored("p-none");
        assertThat(http().put(M + "p-none", "{\"content\":\"second\"}", "If-None-Match", etag).status()).isEqualTo(412);
        assertThat(etagOf("p-none")).isEqualTo(etag);
        TestHttp.Response stale = http().put(M + "p-none", "{\"content\":\"second\"}", "If-None-Match", other(etag));
        assertThat(stale.status()).isEqualTo(200);
        assertThat(http().put(M + "p-new", "{\"content\":\"x\"}", "If-None-Match", "\"7\"").status())
                .as("an absent memory holds no listed version").isEqualTo(201);
    }

    @Test
    void patchHonoursIfNoneMatch() {
        String etag = stored("pa-none");
        assertThat(http().send("PATCH", M + "pa-none", "{\"confidence\":0.1}", "Content-Type", MERGE_PATCH,
                "If-None-Match", "*").status()).isEqualTo(412);
        assertThat(http().send("PATCH", M + "pa-none", "{\"confidence\":0.1}", "Content-Type", MERGE_PATCH,
                "If-None-Match", etag).status()).isEqualTo(412);
        assertThat(etagOf("pa-none")).isEqualTo(etag);
        TestHttp.Response patched = http().send("PATCH", M + "pa-none", "{\"confidence\":0.1}", "Content-Type",
                MERGE_PATCH, "If-None-Match", other(etag), "If-Match", etag);
        assertThat(patched.status()).as("%s", patched).isEqualTo(200);
        assertThat(http().send("PATCH", M + "pa-absent", "{\"confidence\":0.1}", "Content-Type", MERGE_PATCH,
                "If-None-Match", "*").status()).as("404 without the condition").isEqualTo(404);
    }

    @Test
    void deleteHonoursIfNoneMatch() {
        String etag = stored("d-none");
        assertThat(http().send("DELETE", M + "d-none", null, "If-None-Match", "*").status()).isEqualTo(412);
        assertThat(http().send("DELETE", M + "d-none", null, "If-None-Match", etag).status()).isEqualTo(412);
        assertThat(etagOf("d-none")).isEqualTo(etag);
        assertThat(http().send("DELETE", M + "d-none", null, "If-None-Match", other(etag)).status()).isEqualTo(204);
        assertThat(http().send("DELETE", M + "d-none", null, "If-None-Match", "*").status()).isEqualTo(404);
    }

    @Test
    void anEmptyMergePatchChangesNothingAndKeepsTheVersion() {
        String etag = stored("empty-patch");
        TestHttp.Response patched = http().send("PATCH", M + "empty-patch", "{}", "Content-Type", MERGE_PATCH);
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.header("ETag")).isEqualTo(etag);
        assertThat(patched.json().path("content").asString()).isEqualTo("first");
        assertThat(etagOf("empty-patch")).isEqualTo(etag);
        assertThat(http().send("PATCH", M + "empty-patch", "{}", "Content-Type", MERGE_PATCH, "If-Match", other(etag))
                .status()).as("its conditions still hold or fail").isEqualTo(412);
        assertThat(http().send("PATCH", M + "empty-absent", "{}", "Content-Type", MERGE_PATCH).status()).isEqualTo(404);
    }

    @Test
    void batchItemsHonourTheirOwnPreconditions() {
        String etag = stored("b-match");
        stored("b-exists");
        String body = "{\"memories\":["
                + "{\"id\":\"b-match\",\"content\":\"second\",\"ifMatch\":" + quoted(etag) + "},"
                + "{\"id\":\"b-exists\",\"content\":\"second\",\"ifNoneMatch\":\"*\"},"
                + "{\"id\":\"b-fresh\",\"content\":\"new\",\"ifNoneMatch\":\"*\"},"
                + "{\"id\":\"b-stale\",\"content\":\"x\",\"ifMatch\":\"\\\"1\\\"\"},"
                + "{\"id\":\"b-bad\",\"content\":\"x\",\"ifMatch\":\"17\"}]}";
        TestHttp.Response batch = http().send("POST", M + "batch", body);
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        JsonNode results = batch.json().path("results");
        assertThat(results.get(0).path("status").asInt()).as("%s", results.get(0)).isEqualTo(200);
        assertThat(results.get(1).path("status").asInt()).as("%s", results.get(1)).isEqualTo(412);
        assertThat(results.get(2).path("status").asInt()).as("%s", results.get(2)).isEqualTo(201);
        assertThat(results.get(3).path("status").asInt()).as("%s", results.get(3)).isEqualTo(412);
        assertThat(results.get(4).path("status").asInt()).as("%s", results.get(4)).isEqualTo(400);
        assertThat(results.get(4).path("error").path("errors").get(0).path("field").asString()).isEqualTo("ifMatch");
        assertThat(http().get(M + "b-exists").json().path("content").asString()).isEqualTo("first");
        assertThat(http().get(M + "b-stale").status()).isEqualTo(404);
    }

    @Test
    void preconditionHeadersOnABatchAre400() {
        TestHttp.Response refused = http().send("POST", M + "batch",
                "{\"memories\":[{\"id\":\"h-1\",\"content\":\"x\"}]}", "If-Match", "*");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("errors").get(0).path("field").asString()).isEqualTo("If-Match");
        assertThat(http().send("POST", M + "batch", "{\"memories\":[{\"id\":\"h-1\",\"content\":\"x\"}]}",
                "If-None-Match", "*").status()).isEqualTo(400);
        assertThat(http().get(M + "h-1").status()).isEqualTo(404);
    }

    @Test
    void aLocationIsRelativeAndNeverBuiltFromTheHostHeader() {
        String body = "{\"content\":\"x\"}";
        String request = "POST /api/v1/spaces/default/memories HTTP/1.1\r\nHost: evil.example\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n"
                + body;
        RawHttp.Exchange created = new RawHttp(port).send(request.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(created.response().status()).as("%s", created).isEqualTo(201);
        String id = created.response().jsonOrNull().path("id").asString();
        assertThat(created.response().header("Location")).isEqualTo("/api/v1/spaces/default/memories/" + id);
    }

    @Test
    void aSpaceHasNoEtagSoOnlyStarMatchesIt() {
        String space = "/api/v1/spaces/conditional";
        assertThat(http().put(space, null, "If-Match", "*").status()).as("If-Match: * on an absent space")
                .isEqualTo(412);
        assertThat(http().get("/api/v1/spaces").body()).doesNotContain("conditional");
        assertThat(http().put(space, null, "If-None-Match", "*").status()).isEqualTo(201);
        assertThat(http().put(space, null, "If-None-Match", "*").status()).as("create only if absent").isEqualTo(412);
        assertThat(http().put(space, null, "If-Match", "*").status()).isEqualTo(200);
        assertThat(http().send("DELETE", space, null, "If-Match", "\"1\"").status()).as("no ETag matches a space")
                .isEqualTo(412);
        assertThat(http().send("DELETE", space, null, "If-None-Match", "*").status()).isEqualTo(412);
        assertThat(http().get("/api/v1/spaces").body()).contains("conditional");
        assertThat(http().send("DELETE", space, null, "If-Match", "*").status()).isEqualTo(204);
    }

    private static String quoted(String etag) {
        return "\"" + etag.replace("\"", "\\\"") + "\"";
    }
}
