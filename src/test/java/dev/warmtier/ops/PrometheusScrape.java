package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus scraping a running warmtier, and promtool linting what the service serves.
 *
 * <p>Both come from Debian's {@code prometheus} package ({@code /usr/bin/prometheus},
 * {@code /usr/bin/promtool}; {@code .ci/install-tools.sh} installs it). The package's systemd unit
 * is never used: {@link #start} runs the binary itself, with its config and TSDB in a work
 * directory, listening on a loopback port the OS picks (read back from its log, so no port race),
 * scraping the service's {@code /actuator/prometheus} every second. {@link #close} stops it.
 *
 * <p>One implementation, two callers: {@link PrometheusScrapeTests} runs it against the service of
 * a {@code @SpringBootTest}, and {@code .ci/prometheus-scrape.sh} runs {@link #main} against the
 * packaged jar that {@code .ci/with-server.sh} started. What passes, in both:
 * <ol>
 *   <li>Prometheus's one target is {@code up} (its own parser accepted the scrape);</li>
 *   <li>the query ({@code WARMTIER_SCRAPE_QUERY}, default {@value #DEFAULT_QUERY}) answers, through
 *       {@code /api/v1/query}, a non-empty instant vector whose every sample is a number &gt; 0
 *       ({@link #vectorProblem}); fold several series with {@code sum} or {@code count};</li>
 *   <li>{@code promtool check metrics} on the scraped text prints nothing and exits 0
 *       ({@link Lint#clean}): every lint finding counts, "no help text" and naming rules included,
 *       so a new meter cannot add a problem that hides among accepted ones.</li>
 * </ol>
 * Every wait ends by {@link #WAIT} after {@link #start}; a failure names the last answer and
 * appends Prometheus's targets and the tail of its log.
 */
public final class PrometheusScrape implements AutoCloseable {

    public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    public static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    /** At least one warmtier series was scraped. */
    public static final String DEFAULT_QUERY = "count({__name__=~\"warmtier_.+\"})";

    /** Upper bound of all waiting from {@link #start} on; a healthy run needs a few seconds. */
    public static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * The Prometheus text format, version 0.0.4: promtool 2.42 reads only that (on OpenMetrics it
     * stops at the first {@code info} type). Prometheus itself asks for OpenMetrics when it scrapes.
     */
    static final String TEXT_FORMAT = "text/plain;version=0.0.4";

    private static final Pattern LISTENING = Pattern.compile("msg=\"Listening on\" address=127\\.0\\.0\\.1:(\\d+)");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path log;
    private final Instant deadline;
    private final URI api;

    private PrometheusScrape(Process process, Path log, Instant deadline, URI api) {
        this.process = process;
        this.log = log;
        this.deadline = deadline;
        this.api = api;
    }

    /** The query to check: {@code WARMTIER_SCRAPE_QUERY} when set and not blank, else {@link #DEFAULT_QUERY}. */
    public static String query() {
        String query = System.getenv("WARMTIER_SCRAPE_QUERY");
        return query == null || query.isBlank() ? DEFAULT_QUERY : query;
    }

    /**
     * Starts Prometheus scraping {@code service} (e.g. {@code http://127.0.0.1:8080}) and waits
     * until it listens; {@code workDir} receives {@code prometheus.yml}, {@code prometheus.log} and
     * the TSDB.
     */
    public static PrometheusScrape start(URI service, Path workDir) throws IOException {
        Instant deadline = Instant.now().plus(WAIT);
        Path config = workDir.resolve("prometheus.yml");
        Files.writeString(config, scrapeConfig(service));
        Path log = workDir.resolve("prometheus.log");
        Process process = new ProcessBuilder(PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + workDir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:0")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        process.getOutputStream().close();
        try {
            int port = await("Prometheus listening").atMost(remaining(deadline))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> listeningPort(process, log), p -> p > 0);
            return new PrometheusScrape(process, log, deadline, URI.create("http://127.0.0.1:" + port));
        } catch (RuntimeException | Error e) {
            stop(process);
            throw new AssertionError("Prometheus did not start listening: " + e.getMessage()
                    + "\n" + tail(log), e);
        }
    }

    /** The scrape config: one job, the service's {@code /actuator/prometheus}, every second. */
    static String scrapeConfig(URI service) {
        return """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: warmtier
                    scheme: %s
                    metrics_path: /actuator/prometheus
                    static_configs:
                      - targets: ['%s']
                """.formatted(service.getScheme(), service.getAuthority());
    }

    /** Prometheus's own API, e.g. {@code http://127.0.0.1:41234}. */
    public URI api() {
        return api;
    }

    /** Waits until the one scrape target is {@code up}; answers how long that took from {@link #start}. */
    public Duration awaitTargetUp() {
        Instant started = deadline.minus(WAIT);
        awaitOrExplain("the scrape target up", () -> {
            JsonNode targets = targets();
            JsonNode active = targets.path("data").path("activeTargets");
            assertThat(active.size()).as("active targets in %s", targets).isEqualTo(1);
            assertThat(active.get(0).path("health").asString()).as("target health in %s", targets).isEqualTo("up");
        });
        return Duration.between(started, Instant.now());
    }

    /**
     * Waits until {@code expr} answers a non-empty vector of positive samples ({@link #vectorProblem});
     * answers that {@code /api/v1/query} answer.
     */
    public JsonNode awaitPositive(String expr) {
        // The latest answer, handed from Awaitility's polling thread to this one.
        AtomicReference<JsonNode> latest = new AtomicReference<>();
        awaitOrExplain("a non-empty vector of positive samples for " + expr, () -> {
            JsonNode answer = query(expr);
            latest.set(answer);
            if ("bad_data".equals(answer.path("errorType").asString())) {
                // A query Prometheus rejects never passes: no point in waiting.
                throw new IllegalStateException("Prometheus rejects the query: " + answer);
            }
            assertThat(vectorProblem(answer)).as("the answer to %s", expr).isNull();
        });
        return latest.get();
    }

    /** One {@code /api/v1/query} of {@code expr}, now. */
    public JsonNode query(String expr) {
        return getJson("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    }

    /** The {@code /api/v1/targets} answer for the active targets. */
    public JsonNode targets() {
        return getJson("/api/v1/targets?state=active");
    }

    /**
     * Why a {@code /api/v1/query} answer fails the check, or {@code null} when it passes: it must be
     * a successful, non-empty instant vector whose every sample is a number greater than zero
     * (so NaN fails, +Inf passes).
     */
    public static String vectorProblem(JsonNode answer) {
        if (!"success".equals(answer.path("status").asString())) {
            return "status " + answer.path("status") + ", error " + answer.path("error") + ": " + answer;
        }
        JsonNode data = answer.path("data");
        if (!"vector".equals(data.path("resultType").asString())) {
            return "result type " + data.path("resultType") + ", not a vector: " + answer;
        }
        JsonNode result = data.path("result");
        if (!result.isArray() || result.isEmpty()) {
            return "an empty vector (no series matched): " + answer;
        }
        for (JsonNode sample : result) {
            String value = sample.path("value").path(1).asString();
            double number;
            try {
                number = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                return "sample " + sample.path("metric") + " has no numeric value: " + sample;
            }
            if (!(number > 0)) {
                return "sample " + sample.path("metric") + " = " + value + " is not > 0: " + answer;
            }
        }
        return null;
    }

    /** Stops Prometheus: SIGTERM, then SIGKILL if it is still running after 30 s. Idempotent. */
    @Override
    public void close() {
        stop(process);
    }

    /** The tail of Prometheus's log and its targets, for a failure message. */
    public String diagnostics() {
        String targets;
        try {
            targets = targets().toString();
        } catch (RuntimeException | AssertionError e) {
            targets = "(no answer: " + e.getMessage() + ")";
        }
        return "---- Prometheus at " + api + ", /api/v1/targets?state=active:\n" + targets + "\n" + tail(log);
    }

    /** The service's {@code /actuator/prometheus} in the text format promtool reads; fails unless 200. */
    public static String scrapeText(URI service) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(service.resolve("/actuator/prometheus"))
                .header("Accept", TEXT_FORMAT).GET());
        assertThat(response.statusCode()).as("GET /actuator/prometheus: %s", response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .as("content type of the text scrape").startsWith("text/plain");
        return response.body();
    }

    /** Writes one memory into the default space, so the store meters have something to show. */
    public static int writeOneMemory(URI service, String id) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                service.resolve("/api/v1/spaces/default/memories/" + id))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"content\":\"written before a Prometheus scrape\"}")));
        assertThat(response.statusCode()).as("PUT memory %s: %s", id, response.body()).isIn(200, 201);
        return response.statusCode();
    }

    /** What {@code promtool check metrics} said about a scrape: its exit code and everything it printed. */
    public record Lint(int exitCode, String output) {
        /** Exit code 0 and not a character of output: no parse error and no lint finding. */
        public boolean clean() {
            return exitCode == 0 && output.isBlank();
        }
    }

    /** Runs {@code promtool check metrics} on {@code text} (its stdin); {@code workDir} holds the files. */
    public static Lint lint(String text, Path workDir) throws IOException, InterruptedException {
        Path in = Files.createTempFile(workDir, "scrape-", ".txt");
        Path out = Files.createTempFile(workDir, "promtool-", ".txt");
        Files.writeString(in, text);
        Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectInput(in.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!promtool.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            promtool.destroyForcibly().waitFor();
            throw new AssertionError("promtool check metrics did not finish within " + WAIT + ": " + Files.readString(out));
        }
        Lint lint = new Lint(promtool.exitValue(), Files.readString(out));
        Files.delete(in);
        Files.delete(out);
        return lint;
    }

    /**
     * The CI check ({@code .ci/prometheus-scrape.sh}): {@code PrometheusScrape BASE_URL WORK_DIR}
     * writes one memory, scrapes the service at BASE_URL with a real Prometheus until the query
     * passes, lints the scrape with promtool, and prints the figures. Exits 1, saying why, when any
     * step fails; the Prometheus log and the scrape stay in WORK_DIR.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: PrometheusScrape BASE_URL WORK_DIR");
            System.exit(2);
        }
        URI service = URI.create(args[0]);
        Path workDir = Files.createDirectories(Path.of(args[1]));
        String query = query();
        try {
            for (Path tool : List.of(PROMETHEUS, PROMTOOL)) {
                if (!Files.isExecutable(tool)) {
                    throw new AssertionError(tool + " is missing: install Debian's prometheus package (.ci/install-tools.sh does)");
                }
            }
            writeOneMemory(service, "prometheus-scrape-ci");
            try (PrometheusScrape prometheus = start(service, workDir)) {
                // The JVM may be stopped from outside (Ctrl-C, a CI timeout): Prometheus goes with it.
                Thread stopper = new Thread(prometheus::close, "stop-prometheus");
                Runtime.getRuntime().addShutdownHook(stopper);
                Duration up = prometheus.awaitTargetUp();
                System.out.println("prometheus: target " + service + "/actuator/prometheus up after "
                        + up.toMillis() + " ms (Prometheus at " + prometheus.api() + ")");
                JsonNode answer = prometheus.awaitPositive(query);
                System.out.println("prometheus: " + query + " => " + answer.path("data").path("result"));
            }
            String text = scrapeText(service);
            Files.writeString(workDir.resolve("scrape.txt"), text);
            Lint lint = lint(text, workDir);
            System.out.println("promtool check metrics: exit " + lint.exitCode() + ", " + describe(text)
                    + (lint.output().isBlank() ? ", no output" : ", output:\n" + lint.output()));
            if (!lint.clean()) {
                throw new AssertionError("promtool check metrics found problems in " + workDir.resolve("scrape.txt")
                        + " (exit " + lint.exitCode() + "):\n" + lint.output());
            }
        } catch (AssertionError | RuntimeException e) {
            System.err.println("prometheus scrape check FAILED: " + e.getMessage());
            System.exit(1);
        }
    }

    /** "N families, M samples" of a text scrape. */
    public static String describe(String text) {
        long families = text.lines().filter(line -> line.startsWith("# TYPE ")).count();
        long samples = text.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).count();
        return String.format(Locale.ROOT, "%d families, %d samples", families, samples);
    }

    private void awaitOrExplain(String what, Runnable assertion) {
        try {
            await(what).atMost(remaining(deadline)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        if (!process.isAlive()) {
                            // Not an AssertionError: Awaitility stops polling at once.
                            throw new IllegalStateException("Prometheus exited with status " + process.exitValue());
                        }
                        assertion.run();
                    });
        } catch (ConditionTimeoutException | IllegalStateException e) {
            throw new AssertionError("waiting for " + what + ": " + e.getMessage() + "\n" + diagnostics(), e);
        }
    }

    private JsonNode getJson(String pathAndQuery) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api.resolve(pathAndQuery)).GET());
        assertThat(response.statusCode()).as("GET %s: %s", pathAndQuery, response.body()).isIn(200, 400, 422);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(request.build().uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(request.build().uri() + ": interrupted", e);
        }
    }

    private static int listeningPort(Process process, Path log) throws IOException {
        if (!process.isAlive()) {
            throw new IllegalStateException("Prometheus exited with status " + process.exitValue());
        }
        Matcher listening = LISTENING.matcher(Files.readString(log));
        return listening.find() ? Integer.parseInt(listening.group(1)) : 0;
    }

    private static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "---- last 60 lines of " + log + " ----\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()))
                    + "\n---- end of " + log + " ----";
        } catch (IOException e) {
            return "(no Prometheus log at " + log + ": " + e + ")";
        }
    }
}
