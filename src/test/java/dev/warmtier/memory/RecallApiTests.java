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

/**
 * {@code POST /api/v1/spaces/{space}/recall} over HTTP: the answer's shape and order, the defaults,
 * the filters, embeddings only when asked, and a problem detail naming the field and the rule for
 * every bad request, which changes nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RecallApiTests {

    private static final String SPACE = "/api/v1/spaces/recalled";

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

    @LocalServerPort
    int port;

    private TestHttp http() {
        return new TestHttp(port);
    }

    private void put(String id, String embedding, double confidence) {
        TestHttp.Response put = http().put(SPACE + "/memories/" + id, "{\"content\":\"about " + id + "\",\"embedding\":"
                + embedding + ",\"confidence\":" + confidence + "}");
        assertThat(put.status()).as(put.toString()).isIn(200, 201);
    }

    private void fill() {
        http().put(SPACE, null);
        put("east", "[1,0,0,0]", 0.9);
        put("north-east", "[1,1,0,0]", 0.5);
        put("north", "[0,1,0,0]", 0.9);
        put("west", "[-1,0,0,0]", 0.9);
        put("twin-b", "[0,0,1,0]", 0.2);
        put("twin-a", "[0,0,2,0]", 0.2);
        put("nowhere", "[0,0,0,0]", 0.9);
    }

    private TestHttp.Response recall(String body) {
        return http().send("POST", SPACE + "/recall", body, "Content-Type", "application/json");
    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("results").forEach(r -> ids.add(r.get("id").asString()));
        return ids;
    }

    @Test
    void recallAnswersTheBestKBestFirstWithScoresAndMemoriesWithoutEmbeddings() {
        fill();
        TestHttp.Response answer = recall("{\"embedding\":[1,0,0,0],\"k\":3}");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        JsonNode body = answer.json();
        assertThat(ids(body)).containsExactly("east", "north-east", "north");
        JsonNode first = body.get("results").get(0);
        assertThat(first.get("score").asDouble()).isEqualTo(1.0);
        assertThat(body.get("results").get(1).get("score").asDouble()).isCloseTo(Math.sqrt(0.5),
                org.assertj.core.data.Offset.offset(1e-6));
        JsonNode memory = first.get("memory");
        assertThat(memory.get("id").asString()).isEqualTo("east");
        assertThat(memory.get("space").asString()).isEqualTo("recalled");
        assertThat(memory.get("content").asString()).isEqualTo("about east");
        assertThat(memory.get("version").asLong()).isPositive();
        assertThat(memory.has("embedding")).as("no embedding unless asked: %s", memory).isFalse();
    }

    @Test
    void equalScoresComeInIdOrderAndTheDefaultsAreKTenAndNoFilter() {
        fill();
        JsonNode all = recall("{\"embedding\":[0,0,1,0]}").json();
        // twin-a and twin-b score 1 (the same direction); the others 0 in id order, west 0 too (orthogonal).
        assertThat(ids(all)).containsExactly("twin-a", "twin-b", "east", "north", "north-east", "nowhere", "west");
    }

    @Test
    void theFiltersAndTheEmbeddingParameterApply() {
        fill();
        assertThat(ids(recall("{\"embedding\":[1,0,0,0],\"minScore\":0.5}").json()))
                .containsExactly("east", "north-east");
        assertThat(ids(recall("{\"embedding\":[1,0,0,0],\"minConfidence\":0.9,\"k\":1000}").json()))
                .containsExactly("east", "north", "nowhere", "west");
        JsonNode withEmbeddings = http().send("POST", SPACE + "/recall?embedding=true",
                "{\"embedding\":[1,0,0,0],\"k\":1}", "Content-Type", "application/json").json();
        assertThat(withEmbeddings.get("results").get(0).get("memory").get("embedding").toString())
                .isEqualTo("[1.0,0.0,0.0,0.0]");
        assertThat(ids(recall("{\"embedding\":[0,0,0,0],\"k\":2}").json())).as("a zero query: the smallest ids")
                .containsExactly("east", "north");
    }

    @Test
    void anEmptySpaceAnswersNoResults() {
        http().put("/api/v1/spaces/empty-recall", null);
        TestHttp.Response answer = http().send("POST", "/api/v1/spaces/empty-recall/recall",
                "{\"embedding\":[1,2,3,4]}", "Content-Type", "application/json");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("results").size()).isZero();
    }

    /** Each bad request: 400 (or the code given), a problem detail naming the field and the rule. */
    @Test
    void badRequestsAreProblemDetailsNamingTheFieldAndChangeNothing() {
        fill();
        String before = recall("{\"embedding\":[1,0,0,0],\"k\":1000}").body();
        refused("{\"k\":3}", 400, "embedding", "required");
        refused("{\"embedding\":[1,0,0]}", 400, "embedding", "exactly 4");
        refused("{\"embedding\":[1,0,0,0,0]}", 400, "embedding", "exactly 4");
        refused("{\"embedding\":[1,0,0,1e39]}", 400, "embedding", null);
        refused("{\"embedding\":\"AAAA\"}", 400, "embedding", null);
        refused("{\"embedding\":[1,0,0,0],\"k\":0}", 400, "k", "1..1000");
        refused("{\"embedding\":[1,0,0,0],\"k\":1001}", 400, "k", "1..1000");
        refused("{\"embedding\":[1,0,0,0],\"k\":2.5}", 400, "k", null);
        refused("{\"embedding\":[1,0,0,0],\"k\":\"3\"}", 400, "k", null);
        refused("{\"embedding\":[1,0,0,0],\"minConfidence\":1.5}", 400, "minConfidence", "[0, 1]");
        refused("{\"embedding\":[1,0,0,0],\"minScore\":-2}", 400, "minScore", "[-1, 1]");
        refused("{\"embedding\":[1,0,0,0],\"limit\":3}", 400, "limit", null);
        refused("{\"embedding\":[1,0,0,0]", 400, null, null);
        refused("[]", 400, null, null);
        refused("", 400, null, null);
        TestHttp.Response xml = http().send("POST", SPACE + "/recall", "<q/>", "Content-Type", "application/xml");
        assertProblem(xml, 415, null);
        TestHttp.Response get = http().get(SPACE + "/recall");
        assertProblem(get, 405, null);
        TestHttp.Response unknown = http().send("POST", "/api/v1/spaces/nowhere/recall", "{\"embedding\":[1,0,0,0]}",
                "Content-Type", "application/json");
        assertProblem(unknown, 404, null);
        TestHttp.Response badName = http().send("POST", "/api/v1/spaces/NO/recall", "{\"embedding\":[1,0,0,0]}",
                "Content-Type", "application/json");
        assertProblem(badName, 400, "space");
        TestHttp.Response badParameter = http().send("POST", SPACE + "/recall?embedding=maybe",
                "{\"embedding\":[1,0,0,0]}", "Content-Type", "application/json");
        assertProblem(badParameter, 400, "embedding");
        assertThat(recall("{\"embedding\":[1,0,0,0],\"k\":1000}").body()).as("nothing changed").isEqualTo(before);
    }

    private void refused(String body, int status, String field, String rule) {
        TestHttp.Response answer = recall(body);
        assertProblem(answer, status, field);
        if (rule != null) {
            assertThat(answer.body()).as("%s names the rule", answer).contains(rule);
        }
    }

    private static void assertProblem(TestHttp.Response answer, int status, String field) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).as(answer.toString()).startsWith("application/problem+json");
        JsonNode problem = answer.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asString()).isNotBlank();
        if (field != null) {
            assertThat(answer.body()).as("%s names %s", answer, field).containsPattern("\"field\":\"" + field + "[\\[\"]");
        }
    }
}
