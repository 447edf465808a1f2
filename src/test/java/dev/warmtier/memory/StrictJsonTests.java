package dev.warmtier.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * JSON is read by one set of rules on every path that carries a memory: PUT, POST, a batch item
 * and PATCH. Each rule is tried on all four, and each refusal names the field and stores nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StrictJsonTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.max-content-bytes", () -> "100");
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
    }

    private static final String M = "/api/v1/spaces/default/memories/";

    @LocalServerPort
    int port;

    private TestHttp http() {
        return new TestHttp(port);
    }

    /** One way of writing memory fields: builds the request from the fields' JSON (without braces). */
    private record Path4(String name, Function<String, TestHttp.Response> send) {
    }

    private List<Path4> paths(String id) {
        http().put(M + id, "{\"content\":\"before\"}");
        return List.of(
                new Path4("PUT", fields -> http().put(M + id, "{" + fields + "}")),
                new Path4("POST", fields -> http().send("POST", M.substring(0, M.length() - 1), "{" + fields + "}")),
                new Path4("batch item", fields -> batchItem(id, fields)),
                new Path4("PATCH", fields -> http().send("PATCH", M + id, "{" + fields + "}",
                        "Content-Type", "application/merge-patch+json")));
    }

    /** A batch of one item: its own result is answered as if it were the whole answer. */
    private TestHttp.Response batchItem(String id, String fields) {
        return http().send("POST", M + "batch", "{\"memories\":[{\"id\":\"" + id + "\"," + fields + "}]}");
    }

    /** The status and first field error of a refusal, whether it refused the request or the batch's item. */
    private static JsonNode refusal(Path4 path, TestHttp.Response response, int status) {
        JsonNode body = response.json();
        if (path.name().equals("batch item") && response.status() == 200) {
            JsonNode result = body.path("results").get(0);
            assertThat(result.path("status").asInt()).as("%s: %s", path.name(), response).isEqualTo(status);
            return result.path("error");
        }
        assertThat(response.status()).as("%s: %s", path.name(), response).isEqualTo(status);
        return body;
    }

    private void refusedEverywhere(String id, String fields, int status, String field, String rule) {
        for (Path4 path : paths(id)) {
            long before = http().get(M + id).json().path("version").asLong();
            int memories = count();
            TestHttp.Response response = path.send().apply(fields);
            JsonNode problem = refusal(path, response, status);
            // A value the batch cannot even be read with fails the whole batch, naming the item.
            String named = path.name().equals("batch item") && response.status() != 200 ? "memories[0]." + field : field;
            assertThat(problem.path("errors").get(0).path("field").asString()).as("%s: %s", path.name(), problem)
                    .isEqualTo(named);
            assertThat(problem.path("detail").asString()).as("%s", path.name()).contains(rule)
                    .doesNotContain("java.").doesNotContain("Jackson").doesNotContain("Constraints");
            assertThat(http().get(M + id).json().path("version").asLong()).as("%s stored nothing", path.name())
                    .isEqualTo(before);
            assertThat(count()).as("%s created nothing", path.name()).isEqualTo(memories);
        }
    }

    private int count() {
        return http().get(M.substring(0, M.length() - 1) + "?limit=1000").json().path("items").size();
    }

    @Test
    void aKeyGivenTwiceIs400() {
        refusedEverywhere("dup", "\"content\":\"a\",\"content\":\"b\"", 400, "content", "twice");
    }

    @Test
    void anEmbeddingGivenAsABase64StringIs400() {
        refusedEverywhere("b64", "\"content\":\"a\",\"embedding\":\"AAAAAAAAAAAAAAAAAAAAAA==\"", 400, "embedding",
                "array of numbers");
    }

    @Test
    void anEmbeddingValuePastTheFloatRangeIs400NamingTheElement() {
        refusedEverywhere("range", "\"content\":\"a\",\"embedding\":[0,1e39,0,0]", 400, "embedding[1]", "float range");
        refusedEverywhere("range", "\"content\":\"a\",\"embedding\":[0,0,-1e400,0]", 400, "embedding[2]",
                "float range");
        refusedEverywhere("range", "\"content\":\"a\",\"embedding\":[1" + "0".repeat(42) + ",0,0,0]", 400,
                "embedding[0]", "float range");
    }

    @Test
    void aScalarPastTheFloatRangeIs400() {
        refusedEverywhere("scalar", "\"content\":\"a\",\"decayRate\":1e39", 400, "decayRate", "finite");
    }

    @Test
    void contentPastTheLimitIs413() {
        refusedEverywhere("long", "\"content\":\"" + "x".repeat(101) + "\"", 413, "content", "at most 100");
        refusedEverywhere("long", "\"content\":\"" + "x".repeat(102) + "\"", 413, "content", "at most 100");
    }

    @Test
    void aBatchItemWithTooLongContentGetsItsOwn413AndTheOthersAreStored() {
        TestHttp.Response batch = http().send("POST", M + "batch", "{\"memories\":["
                + "{\"id\":\"ok-1\",\"content\":\"fine\"},"
                + "{\"id\":\"too-long\",\"content\":\"" + "y".repeat(5000) + "\"},"
                + "{\"id\":\"ok-2\",\"content\":\"fine\"}]}");
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        JsonNode results = batch.json().path("results");
        assertThat(results.get(0).path("status").asInt()).isEqualTo(201);
        assertThat(results.get(1).path("status").asInt()).isEqualTo(413);
        assertThat(results.get(1).path("error").path("errors").get(0).path("field").asString()).isEqualTo("content");
        assertThat(results.get(2).path("status").asInt()).isEqualTo(201);
        assertThat(http().get(M + "too-long").status()).isEqualTo(404);
    }

    /**
     * 1 + 2^-24 is the midpoint between the floats 1 and 1 + 2^-23; this decimal lies just above
     * it, closer to 1 + 2^-23. Rounded once, straight to float, it is 1 + 2^-23; rounded to double
     * first it becomes the midpoint itself, which then rounds (to even) to 1.
     */
    private static final String JUST_ABOVE_A_MIDPOINT = "1.000000059604644775390626";

    @Test
    void putAndPatchStoreTheSameFloatForTheSameJsonNumber() {
        float expected = Float.parseFloat(JUST_ABOVE_A_MIDPOINT);
        assertThat(expected).isEqualTo(1 + 0x1p-23f).isNotEqualTo((float) Double.parseDouble(JUST_ABOVE_A_MIDPOINT));
        String embedding = "[" + JUST_ABOVE_A_MIDPOINT + ",0,0,0]";
        TestHttp.Response put = http().put(M + "float-put", "{\"content\":\"a\",\"embedding\":" + embedding + "}");
        http().put(M + "float-patch", "{\"content\":\"a\"}");
        TestHttp.Response patched = http().send("PATCH", M + "float-patch", "{\"embedding\":" + embedding + "}",
                "Content-Type", "application/merge-patch+json");
        assertThat(put.json().path("embedding").get(0).floatValue()).isEqualTo(expected);
        assertThat(patched.json().path("embedding").get(0).floatValue()).isEqualTo(expected);
    }

    @Test
    void aBodyWithMoreTokensThanTheLargestValidBatchIsRefusedWhileRead() {
        // At dimension 4 a full batch needs at most 1000 x (4 + 32) + 64 tokens; 20,000 empty items hold 40,005.
        TestHttp.Response refused = http().send("POST", M + "batch",
                "{\"memories\":[" + "{},".repeat(19_999) + "{}]}");
        assertThat(refused.status()).as("%s", refused).isEqualTo(400);
        assertThat(refused.json().path("detail").asString()).contains("more JSON values than the largest valid request");
    }
}
