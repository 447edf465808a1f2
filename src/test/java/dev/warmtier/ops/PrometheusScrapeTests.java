package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.Prerequisites;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service as Prometheus sees it: Debian's real {@code prometheus} scrapes
 * {@code /actuator/prometheus} of this test's service, the warmtier query answers through its
 * HTTP API, and {@code promtool check metrics} finds nothing to say about the scrape. The same
 * {@link PrometheusScrape} runs in {@code .ci/run} against the packaged jar.
 *
 * <p>Without {@code /usr/bin/prometheus} or {@code /usr/bin/promtool} (Debian's {@code prometheus}
 * package; {@code .ci/install-tools.sh} installs it before {@code ./mvnw verify}) the tests that
 * need them are skipped, saying which is missing. {@link AutoConfigureMetrics}: without it a Boot
 * test switches the Prometheus exporter off.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
@DirtiesContext
class PrometheusScrapeTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
    }

    @LocalServerPort
    int port;

    @TempDir
    Path workDir;

    private URI service() {
        return URI.create("http://127.0.0.1:" + port);
    }

    @Test
    void aRealPrometheusScrapesTheServiceAndTheWarmtierQueryAnswersAPositiveVector() throws Exception {
        requireExecutable(PrometheusScrape.PROMETHEUS);
        PrometheusScrape.writeOneMemory(service(), "scraped-1");
        String query = PrometheusScrape.query();

        try (PrometheusScrape prometheus = PrometheusScrape.start(service(), workDir)) {
            Duration up = prometheus.awaitTargetUp();
            JsonNode answer = prometheus.awaitPositive(query);
            System.out.println("prometheus: target up after " + up.toMillis() + " ms; " + query + " => "
                    + answer.path("data").path("result"));

            // The same check on a series that does not exist must fail: an empty vector.
            JsonNode absent = prometheus.query("count({__name__=\"warmtier_no_such_series\"})");
            assertThat(PrometheusScrape.vectorProblem(absent)).as("answer %s", absent).startsWith("an empty vector");
        }
    }

    @Test
    void promtoolFindsNoProblemInTheScrape() throws Exception {
        requireExecutable(PrometheusScrape.PROMTOOL);
        PrometheusScrape.writeOneMemory(service(), "linted-1");

        String text = PrometheusScrape.scrapeText(service());
        Path kept = Files.createDirectories(Path.of("target")).resolve("prometheus-scrape-tests.txt");
        Files.writeString(kept, text);
        PrometheusScrape.Lint lint = PrometheusScrape.lint(text, workDir);
        System.out.println("promtool check metrics: exit " + lint.exitCode() + ", " + PrometheusScrape.describe(text)
                + (lint.output().isBlank() ? ", no output" : ", output:\n" + lint.output()));

        // An empty scrape would lint clean: make sure there was something to lint.
        assertThat(text).as("the scrape").contains("# TYPE jvm_", "# TYPE http_server_requests_seconds ");
        assertThat(lint.output()).as("promtool output (exit %d) on the scrape in %s", lint.exitCode(), kept).isEmpty();
        assertThat(lint.exitCode()).as("promtool exit code; output: %s", lint.output()).isZero();
        assertThat(lint.clean()).isTrue();
    }

    /** The lint pass condition can fail: promtool's findings on a scrape that breaks the rules. */
    @Test
    void promtoolReportsEveryKindOfProblemThatFailsTheCheck() throws Exception {
        requireExecutable(PrometheusScrape.PROMTOOL);
        String badNames = """
                # TYPE requests counter
                requests 3
                # HELP latency_ms request latency
                # TYPE latency_ms gauge
                latency_ms 12
                """;
        PrometheusScrape.Lint lint = PrometheusScrape.lint(badNames, workDir);
        System.out.println("promtool on bad names: exit " + lint.exitCode() + ", output:\n" + lint.output());
        assertThat(lint.exitCode()).as(lint.output()).isEqualTo(3);
        assertThat(lint.output()).contains("requests no help text", "requests counter metrics should have \"_total\" suffix",
                "latency_ms metric names should not contain abbreviated units");
        assertThat(lint.clean()).isFalse();

        PrometheusScrape.Lint unparsable = PrometheusScrape.lint("# TYPE broken counter\nbroken_total{ 1\n", workDir);
        System.out.println("promtool on a broken line: exit " + unparsable.exitCode() + ", output: " + unparsable.output());
        assertThat(unparsable.exitCode()).as(unparsable.output()).isEqualTo(1);
        assertThat(unparsable.clean()).isFalse();
    }

    /** The query check passes a non-empty vector of positive samples, and nothing else. */
    @Test
    void onlyANonEmptyVectorOfPositiveSamplesPassesTheQueryCheck() {
        assertThat(PrometheusScrape.vectorProblem(answer("vector", "[{\"metric\":{},\"value\":[1.5,\"42\"]}]"))).isNull();
        assertThat(PrometheusScrape.vectorProblem(answer("vector",
                "[{\"metric\":{\"space\":\"a\"},\"value\":[1.5,\"1\"]},{\"metric\":{\"space\":\"b\"},\"value\":[1.5,\"0.5\"]}]")))
                .isNull();

        assertThat(PrometheusScrape.vectorProblem(answer("vector", "[]"))).startsWith("an empty vector");
        assertThat(PrometheusScrape.vectorProblem(answer("vector", "[{\"metric\":{},\"value\":[1.5,\"0\"]}]")))
                .contains("= 0 is not > 0");
        assertThat(PrometheusScrape.vectorProblem(answer("vector",
                "[{\"metric\":{\"space\":\"a\"},\"value\":[1.5,\"3\"]},{\"metric\":{\"space\":\"b\"},\"value\":[1.5,\"-1\"]}]")))
                .contains("= -1 is not > 0");
        assertThat(PrometheusScrape.vectorProblem(answer("vector", "[{\"metric\":{},\"value\":[1.5,\"NaN\"]}]")))
                .contains("= NaN is not > 0");
        assertThat(PrometheusScrape.vectorProblem(answer("vector", "[{\"metric\":{}}]"))).contains("no numeric value");
        assertThat(PrometheusScrape.vectorProblem(answer("scalar", "[1.5,\"7\"]"))).contains("not a vector");
        assertThat(PrometheusScrape.vectorProblem(JSON.readTree(
                "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}"))).contains("parse error");
    }

    private static JsonNode answer(String resultType, String result) {
        return JSON.readTree("{\"status\":\"success\",\"data\":{\"resultType\":\"" + resultType
                + "\",\"result\":" + result + "}}");
    }

    private static void requireExecutable(Path tool) {
        Prerequisites.requireExecutable(tool, "install Debian's prometheus package (.ci/install-tools.sh does)");
    }
}
