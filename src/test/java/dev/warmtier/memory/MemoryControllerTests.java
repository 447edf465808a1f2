package dev.warmtier.memory;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.patch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.warmtier.engine.Durability;
import dev.warmtier.space.SpaceRegistry;
import dev.warmtier.system.WarmTierProperties;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.assertj.core.api.Assertions;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * One test per rule of bad input: each answers a 4xx problem detail naming the field and the
 * rule, and stores nothing. The slice runs the real controller, advice, JSON settings and body
 * limit over a real engine store in a temporary directory.
 */
@WebMvcTest(controllers = MemoryController.class)
@Import({MemoryService.class, MemoryControllerTests.Config.class,
        dev.warmtier.system.ProblemDetailsAdvice.class})
class MemoryControllerTests {

    static final int DIMENSION = 4;
    static final int MAX_CONTENT = 100;
    static final long MAX_REQUEST = 4096;
    static final long MAX_PAGE_BYTES = 1024;
    static final String URL = "/api/v1/spaces/default/memories/k";

    /** A real registry over a temporary directory, and the production JSON settings and body limit. */
    @TestConfiguration
    @ComponentScan(basePackages = "dev.warmtier.system",
            useDefaultFilters = false, includeFilters = @ComponentScan.Filter(
            type = FilterType.REGEX,
            pattern = "dev\\.warmtier\\.system\\.(JsonConfiguration|RequestBodyLimitFilter|RequestGuardFilter)"))
    static class Config {
        @Bean
        WarmTierProperties properties() throws Exception {
            return new WarmTierProperties(Files.createTempDirectory("warmtier-slice"), DIMENSION, Durability.NONE,
                    Duration.ofMillis(100), MAX_CONTENT, MAX_REQUEST, Duration.ZERO, 0.1, MAX_PAGE_BYTES,
                    WarmTierProperties.Compaction.defaults());
        }

        @Bean
        SpaceRegistry spaceRegistry(WarmTierProperties properties) {
            return new SpaceRegistry(properties);
        }

        @Bean
        dev.warmtier.ops.WarmTierMeters meters(SpaceRegistry spaces) {
            return new dev.warmtier.ops.WarmTierMeters(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                    spaces);
        }
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    SpaceRegistry spaces;

    private long slotsBefore;

    @BeforeEach
    void countSlots() {
        slotsBefore = spaces.get("default").orElseThrow().stats().slotsAllocated();
    }

    @AfterEach
    void nothingWasStored() {
        // Every request here is bad: not even a slot may have been claimed for it.
        Assertions.assertThat(spaces.get("default").orElseThrow().stats().slotsAllocated())
                .isEqualTo(slotsBefore);
        Assertions.assertThat(spaces.get("default").orElseThrow().stats().slotsLive()).isZero();
    }

    private ResultActions putJson(String json) throws Exception {
        return mvc.perform(put(URL).contentType(MediaType.APPLICATION_JSON).content(json));
    }

    private static void problem(ResultActions result, int status, String field, String ruleFragment) throws Exception {
        result.andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(status))
                .andExpect(jsonPath("$.type").value(startsWith("https://warmtier.dev/problems/")))
                .andExpect(jsonPath("$.title").exists())
                .andExpect(jsonPath("$.detail").value(containsString(ruleFragment)))
                .andExpect(jsonPath("$.instance").exists())
                .andExpect(jsonPath("$.errors[0].field").value(field))
                .andExpect(jsonPath("$.errors[0].message").value(containsString(ruleFragment)));
    }

    @Test
    void malformedJsonIs400() throws Exception {
        problem(putJson("{\"content\": \"x\""), 400, "body", "not well-formed JSON");
    }

    @Test
    void aJsonValueThatIsNotAnObjectIs400() throws Exception {
        problem(putJson("[1, 2]"), 400, "body", "must be a JSON object");
        problem(putJson("\"just a string\""), 400, "body", "must be a JSON object");
    }

    @Test
    void anUnknownFieldIs400() throws Exception {
        problem(putJson("{\"content\": \"x\", \"colour\": \"red\"}"), 400, "colour", "not a field");
    }

    @Test
    void aReadOnlyFieldIs400() throws Exception {
        problem(putJson("{\"content\": \"x\", \"version\": 3}"), 400, "version", "read-only");
    }

    @Test
    void aMistypedFieldIs400() throws Exception {
        problem(putJson("{\"content\": 5}"), 400, "content", "must be a string");
        problem(putJson("{\"content\": \"x\", \"confidence\": \"0.5\"}"), 400, "confidence", "must be a number");
        problem(putJson("{\"content\": \"x\", \"embedding\": [1, null, 3, 4]}"), 400, "embedding[1]", "");
    }

    @Test
    void missingContentIs400() throws Exception {
        problem(putJson("{\"confidence\": 0.5}"), 400, "content", "required");
    }

    @Test
    void aWrongEmbeddingDimensionIs400() throws Exception {
        problem(putJson("{\"content\": \"x\", \"embedding\": [1, 2, 3]}"), 400, "embedding", "exactly 4");
    }

    @Test
    void nonFiniteNumbersIncludingOverflowAre400() throws Exception {
        problem(putJson("{\"content\": \"x\", \"embedding\": [1, 1e400, 3, 4]}"), 400, "embedding[1]", "float range");
        problem(putJson("{\"content\": \"x\", \"decayRate\": 1e39}"), 400, "decayRate", "finite");
        problem(putJson("{\"content\": \"x\", \"confidence\": NaN}"), 400, "body", "not well-formed JSON");
    }

    @Test
    void valuesOutOfRangeAre400() throws Exception {
        problem(putJson("{\"content\": \"x\", \"confidence\": 1.5}"), 400, "confidence", "[0, 1]");
        problem(putJson("{\"content\": \"x\", \"activation\": -0.1}"), 400, "activation", "[0, 1]");
        problem(putJson("{\"content\": \"x\", \"decayRate\": -1}"), 400, "decayRate", ">= 0");
    }

    @Test
    void contentOverTheLimitIs413() throws Exception {
        problem(putJson("{\"content\": \"" + "é".repeat(51) + "\"}"), 413, "content", "at most 100 UTF-8 bytes");
    }

    @Test
    void aBodyPastTheRequestLimitIs413() throws Exception {
        String big = "{\"content\": \"x\", \"embedding\": [" + "0.0, ".repeat(1000) + "0.0]}";
        problem(putJson(big), 413, "body", "at most 4096 bytes");
    }

    @Test
    void deepNestingIs400() throws Exception {
        // Every body is typed, merge patches included: the read fails at the first value of the
        // wrong shape, before any depth is reached (the parser's depth limit stays as a backstop).
        String deep = "{\"content\": " + "[".repeat(200) + "]".repeat(200) + "}";
        problem(mvc.perform(patch(URL).contentType("application/merge-patch+json").content(deep)), 400, "content",
                "must be a string");
        problem(putJson("{\"content\": \"x\", \"embedding\": " + "[".repeat(200) + "]".repeat(200) + "}"), 400,
                "embedding[0]", "must be a number");
    }

    @Test
    void aHugeStringIsRefusedWhileReading() throws Exception {
        // Past the body limit: refused while reading (before the parser's string limit, 4097 chars here).
        problem(putJson("{\"content\": \"" + "x".repeat(5000) + "\"}"), 413, "body", "at most 4096 bytes");
        // Under it but over the content limit: refused by the content rule.
        problem(putJson("{\"content\": \"" + "x".repeat(3000) + "\"}"), 413, "content", "at most 100");
    }

    @Test
    void invalidUtf8Is400() throws Exception {
        byte[] body = "{\"content\": \"ab\"}".getBytes(StandardCharsets.UTF_8);
        body[13] = (byte) 0xC3; // a lead byte followed by an ASCII byte: not UTF-8
        problem(mvc.perform(put(URL).contentType(MediaType.APPLICATION_JSON).content(body)), 400, "body", "UTF-8");
    }

    @Test
    void idsOfMoreThan256BytesOrWithControlCharactersAre400() throws Exception {
        problem(mvc.perform(put("/api/v1/spaces/default/memories/" + "x".repeat(257))
                .contentType(MediaType.APPLICATION_JSON).content("{\"content\": \"x\"}")), 400, "id", "256");
        problem(mvc.perform(put(URI.create("/api/v1/spaces/default/memories/a%01b"))
                .contentType(MediaType.APPLICATION_JSON).content("{\"content\": \"x\"}")), 400, "id", "control");
    }

    @Test
    void spaceNamesOutsideTheRulesAre400AndNeverReachTheDisk() throws Exception {
        for (String space : new String[] {"UPPER", "ab", "a.b", "..%2Fetc"}) {
            problem(mvc.perform(put(URI.create("/api/v1/spaces/" + space + "/memories/k"))
                    .contentType(MediaType.APPLICATION_JSON).content("{\"content\": \"x\"}")), 400, "space", "[a-z0-9_-]");
        }
        // A dot segment, even escaped, is refused as a path before it could be normalized away.
        problem(mvc.perform(put(URI.create("/api/v1/spaces/%2e%2e/memories/k"))
                .contentType(MediaType.APPLICATION_JSON).content("{\"content\": \"x\"}")), 400, "path", "'..'");
    }

    @Test
    void anUnknownSpaceIs404() throws Exception {
        mvc.perform(get("/api/v1/spaces/no-such-space/memories/k"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(containsString("no-such-space")));
    }

    @Test
    void anUnknownMemoryIs404() throws Exception {
        mvc.perform(get(URL)).andExpect(status().isNotFound())
                .andExpect(jsonPath("$.detail").value(containsString("'k' does not exist")));
    }

    @Test
    void aWrongMediaTypeIs415() throws Exception {
        mvc.perform(put(URL).contentType(MediaType.TEXT_PLAIN).content("content"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(patch(URL).contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isUnsupportedMediaType());
    }

    @Test
    void anUnacceptableAcceptIs406() throws Exception {
        mvc.perform(get(URL).accept(MediaType.TEXT_PLAIN)).andExpect(status().isNotAcceptable());
    }

    @Test
    void anUnsupportedMethodIs405() throws Exception {
        mvc.perform(post(URL).contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isMethodNotAllowed())
                .andExpect(header().exists("Allow"));
    }

    @Test
    void badPagingParametersAre400() throws Exception {
        problem(mvc.perform(get("/api/v1/spaces/default/memories?limit=0")), 400, "limit", "between 1 and 1000");
        problem(mvc.perform(get("/api/v1/spaces/default/memories?limit=many")), 400, "limit", "must be a number");
        problem(mvc.perform(get("/api/v1/spaces/default/memories?after=not*base64")), 400, "after", "cursor");
    }

    @Test
    void aBatchOutsideOneTo1000ItemsIs400() throws Exception {
        problem(mvc.perform(post("/api/v1/spaces/default/memories/batch").contentType(MediaType.APPLICATION_JSON)
                .content("{\"memories\": []}")), 400, "memories", "1 to 1000");
    }

    @Test
    void badConditionalHeadersAre400() throws Exception {
        problem(mvc.perform(put(URL).contentType(MediaType.APPLICATION_JSON).content("{\"content\": \"x\"}")
                .header("If-Match", "17")), 400, "If-Match", "quoted entity tags");
        problem(mvc.perform(put(URL).contentType(MediaType.APPLICATION_JSON).content("{\"content\": \"x\"}")
                .header("If-None-Match", "\"3")), 400, "If-None-Match", "quoted entity tags");
    }

    @Test
    void aPatchThatIsNotAnObjectOrHasBadFieldsIs400() throws Exception {
        MockHttpServletRequestBuilder request = patch(URL).contentType("application/merge-patch+json");
        problem(mvc.perform(request.content("[1]")), 400, "body", "JSON object");
        problem(mvc.perform(patch(URL).contentType("application/merge-patch+json").content("{\"slot\": 1}")), 400,
                "slot", "read-only");
        problem(mvc.perform(patch(URL).contentType("application/merge-patch+json").content("{\"confidence\": \"high\"}")),
                400, "confidence", "number");
    }

    @Test
    void deletingWithAMalformedIfMatchIs400() throws Exception {
        problem(mvc.perform(delete(URL).header("If-Match", "W/")), 400, "If-Match", "quoted entity tags");
    }

    @Test
    void problemsNeverLeakAStackTrace() throws Exception {
        mvc.perform(get(URL)).andExpect(content().string(Matchers.not(containsString("at dev.warmtier"))));
    }

}
