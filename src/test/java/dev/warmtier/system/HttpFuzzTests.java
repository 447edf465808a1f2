package dev.warmtier.system;

import static org.quicktheories.QuickTheory.qt;

import dev.warmtier.TestHttp;
import dev.warmtier.space.StoreOptionsCustomizer;
import dev.warmtier.support.RawHttp;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
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
 * Byte-level fuzzing of the HTTP API over raw sockets ({@link FuzzRequests} makes the requests).
 * Every answer must be below 500; every 4xx must be {@code application/problem+json} with
 * {@code type}, {@code title}, {@code status}, {@code detail} and {@code instance}; a 2xx must
 * not come from a path holding a raw {@code ;} (the contract answers 400) and must name the
 * space and id its path names, percent-decoded. Afterwards the process is live, every sentinel
 * memory (same ids in spaces no request aims at) reads back byte for byte, every space that
 * existed still exists, and the invariant report of every space is clean.
 *
 * <p>Each kind of finding is then replayed from the same seed and shrunk by QuickTheories, which
 * fails only on that kind, so shrinking cannot trade one finding for another. Rerun a failure
 * with {@code -Dfuzz.seed=SEED}; {@code -Dfuzz.examples=N} changes the number of requests.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HttpFuzzTests {

    static final int EXAMPLES = Integer.getInteger("fuzz.examples", 4000);
    static final int SHRINK_CYCLES = 150;
    /** Examples a replay may run past the survey's first of a kind before it gives up. */
    static final int REPLAY_SLACK = 20;
    /** Kinds shrunk after the survey; the rest are listed with their first request. */
    static final int KINDS_SHRUNK = 12;
    static final List<String> SENTINEL_SPACES = List.of("default", "keepsake");
    static final List<String> SENTINEL_IDS = List.of("f1", "f2", "k", "k;v=2", "a/b", "café", "sentinel-x");
    static final List<String> PROBLEM_FIELDS = RawHttp.PROBLEM_FIELDS;

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.max-content-bytes", () -> "1000");
        registry.add("warmtier.max-request-bytes", () -> "200000");
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
    }

    /** Fuzzed requests create and drop spaces often: small chunks keep each new space cheap. */
    @TestConfiguration(proxyBeanMethods = false)
    static class SmallSpaces {
        @Bean
        StoreOptionsCustomizer smallChunks() {
            return options -> options.withChunks(256, 64 * 1024);
        }
    }

    @LocalServerPort
    int port;

    /** What one answer broke, if anything: a kind (for grouping and shrinking) and its particulars. */
    record Finding(String kind, String detail) {
    }

    /** Every request of one kind of finding: how many, and the first one's example number and exchange. */
    static final class Kind {
        int count;
        final int firstExample;
        final RawHttp.Exchange first;
        final Finding finding;

        Kind(int firstExample, RawHttp.Exchange first, Finding finding) {
            this.firstExample = firstExample;
            this.first = first;
            this.finding = finding;
        }
    }

    @Test
    void fuzzedRequestsNeverAnswer5xxAlwaysAnswerProblemDetailsAndWriteOnlyWhereTheirPathPoints() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        RawHttp raw = new RawHttp(port);
        TestHttp http = new TestHttp(port);
        Map<String, String> sentinels = seedSentinels(http);
        List<String> spacesBefore = spaces(http);

        Map<String, Kind> kinds = new LinkedHashMap<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<RawHttp.Exchange> closed = new ArrayList<>();
        int[] timedOut = {0};
        int[] example = {0};
        long start = System.nanoTime();
        qt().withFixedSeed(seed).withExamples(EXAMPLES).withShrinkCycles(0)
                .forAll(FuzzRequests.requests())
                .checkAssert(request -> {
                    int n = example[0]++;
                    RawHttp.Exchange exchange = raw.send(request.raw());
                    switch (exchange.outcome()) {
                        case ANSWERED -> statuses.merge(exchange.response().status(), 1, Integer::sum);
                        case CLOSED_WITHOUT_ANSWER -> closed.add(exchange);
                        case TIMED_OUT -> timedOut[0]++;
                    }
                    Finding finding = judge(exchange);
                    if (finding != null) {
                        kinds.computeIfAbsent(finding.kind(), k -> new Kind(n, exchange, finding)).count++;
                    }
                    keepTheFuzzSpace(http, exchange);
                });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("HTTP fuzz: seed %d, %d requests in %.1f s (%.1f ms each), statuses %s, "
                        + "closed without an answer %d, timed out (server waiting for bytes) %d, finding kinds %d%n",
                seed, example[0], seconds, seconds * 1000 / Math.max(1, example[0]), statuses, closed.size(),
                timedOut[0], kinds.size());
        closed.stream().limit(5).forEach(e -> System.out.println("  closed without an answer: " + e));

        List<String> report = new ArrayList<>();
        report.addAll(stateAfterwards(http, sentinels, spacesBefore));
        int shrunk = 0;
        for (Map.Entry<String, Kind> entry : kinds.entrySet()) {
            Kind kind = entry.getValue();
            String shrinking = shrunk++ < KINDS_SHRUNK ? shrink(raw, http, seed, entry.getKey(), kind.firstExample)
                    : "(not shrunk: only the first " + KINDS_SHRUNK + " kinds are)";
            report.add("FINDING " + entry.getKey() + ": " + kind.count + " of " + example[0] + " requests, first at example "
                    + kind.firstExample + "\n    first: " + kind.finding.detail() + "\n      request: \""
                    + RawHttp.escape(kind.first.request()) + "\"\n    shrunk: " + shrinking.replace("\n", "\n      "));
        }
        if (!kinds.isEmpty()) {
            report.addAll(stateAfterwards(http, sentinels, spacesBefore).stream().map(s -> "after shrinking: " + s).toList());
        }
        if (!report.isEmpty()) {
            String message = "HTTP fuzz with seed " + seed + " (rerun: -Dfuzz.seed=" + seed + "), " + example[0]
                    + " requests, statuses " + statuses + ":\n" + String.join("\n", report);
            System.out.println(message);
            throw new AssertionError(message);
        }
    }

    // ---------------------------------------------------------------- the verdict on one answer

    /** The first rule this exchange breaks, or null. A connection closed or left waiting breaks none. */
    static Finding judge(RawHttp.Exchange exchange) {
        if (!exchange.answered()) {
            return null;
        }
        RawHttp.Response response = exchange.response();
        int status = response.status();
        if (status >= 500) {
            return new Finding(status + " answer", response.summary());
        }
        String[] requestLine = requestLine(exchange.request());
        if (status >= 400) {
            String problems = problemDetailsFlaws(response, requestLine[0].equals("HEAD"));
            return problems == null ? null : new Finding(status + " " + problems, response.summary());
        }
        if (status < 200 || status >= 300) {
            return null;
        }
        if (requestLine.length < 2 || !requestLine[1].startsWith("/")) {
            return null;
        }
        String path = requestLine[1].split("[?#]", 2)[0];
        Finding wrongTarget = wrongTarget(path, response);
        if (wrongTarget != null) {
            return wrongTarget;
        }
        if (path.indexOf(';') >= 0) {
            return new Finding("raw ';' in the path answered 2xx instead of 400 (the ';' part was dropped)",
                    requestLine[0] + " " + path + " -> " + response.summary());
        }
        return null;
    }

    /** Why a 4xx/5xx is not the contract's problem detail, or null when it is. A HEAD answer has no body to check. */
    static String problemDetailsFlaws(RawHttp.Response response, boolean head) {
        if (!response.mediaType().equals("application/problem+json")) {
            String type = response.mediaType().isEmpty() ? "no Content-Type" : response.mediaType();
            return "not problem details but " + type + (response.body().length == 0 && !head ? ", empty body" : "");
        }
        if (head) {
            return null;
        }
        JsonNode json = response.jsonOrNull();
        if (json == null || !json.isObject()) {
            return "problem+json whose body is not a JSON object";
        }
        List<String> missing = PROBLEM_FIELDS.stream().filter(f -> json.path(f).isMissingNode() || json.path(f).isNull())
                .toList();
        if (!missing.isEmpty()) {
            return "problem details without " + String.join(", ", missing);
        }
        if (json.path("status").asInt() != response.status()) {
            return "problem details whose status " + json.path("status") + " is not the status line's";
        }
        return null;
    }

    /** A 2xx memory or collection answer naming another space or id than its path, percent-decoded. */
    private static Finding wrongTarget(String path, RawHttp.Response response) {
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        if (segments.size() < 5 || segments.size() > 6 || !segments.subList(0, 3).equals(List.of("api", "v1", "spaces"))
                || !segments.get(4).equals("memories")) {
            return null;
        }
        JsonNode json = response.jsonOrNull();
        String space = decode(segments.get(3));
        String id = segments.size() == 6 ? decode(segments.get(5)) : null;
        if (json == null || space == null || (segments.size() == 6 && id == null) || "batch".equals(segments.size() == 6
                ? segments.get(5) : "")) {
            return null;
        }
        if (json.has("space") && !json.path("space").asString().equals(space)) {
            return new Finding("2xx for another space than the path names", "path " + path + " names space '" + space
                    + "', the answer space '" + json.path("space").asString() + "': " + response.summary());
        }
        if (id != null && json.has("id") && !json.path("id").asString().equals(id)) {
            return new Finding("2xx for another id than the path names", "path " + path + " names id '" + id
                    + "', the answer id '" + json.path("id").asString() + "': " + response.summary());
        }
        return null;
    }

    /** A path segment percent-decoded as UTF-8, or null when it is not valid. */
    static String decode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    return null;
                }
                try {
                    bytes.write(Integer.parseInt(segment.substring(i + 1, i + 3), 16));
                } catch (NumberFormatException e) {
                    return null;
                }
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The request line's words. Tomcat, as RFC 9112 section 3 allows, takes a horizontal tab as a
     * separator too, so a target ends at a tab: {@code GET /memories/f1<TAB> HTTP/1.1} asks for
     * {@code f1}, not for {@code f1<TAB>}.
     */
    private static String[] requestLine(byte[] request) {
        int end = 0;
        while (end < request.length && request[end] != '\n') {
            end++;
        }
        String[] words = new String(request, 0, end, StandardCharsets.ISO_8859_1).replace("\r", "").split(" ", -1);
        if (words.length > 1) {
            words[1] = words[1].split("\t", 2)[0];
        }
        return words;
    }

    // ---------------------------------------------------------------- shrinking one kind

    /**
     * Replays the survey's examples from the same seed up to the first of this kind and lets
     * QuickTheories shrink it, failing only on this kind. Answers QuickTheories' report (the
     * shrunk request and the seed), or why there is none.
     */
    private static String shrink(RawHttp raw, TestHttp http, long seed, String kind, int firstExample) {
        String notReproduced = "not reproduced within " + REPLAY_SLACK + " examples past the first";
        int[] example = {0};
        boolean[] found = {false};
        try {
            // The same example count as the survey: QuickTheories skews its first draws by it.
            qt().withFixedSeed(seed).withExamples(EXAMPLES).withShrinkCycles(SHRINK_CYCLES)
                    .forAll(FuzzRequests.requests())
                    .checkAssert(request -> {
                        if (!found[0] && example[0]++ > firstExample + REPLAY_SLACK) {
                            throw new AssertionError(notReproduced); // ends the replay; costs no request
                        }
                        RawHttp.Exchange exchange = raw.send(request.raw());
                        keepTheFuzzSpace(http, exchange);
                        Finding finding = judge(exchange);
                        if (finding != null && finding.kind().equals(kind)) {
                            found[0] = true; // from here on QuickTheories shrinks
                            throw new AssertionError(kind + ": " + finding.detail() + "\nrequest: \""
                                    + RawHttp.escape(request.raw()) + "\"");
                        }
                    });
            return "(not reproduced when replayed from the same seed)";
        } catch (AssertionError report) {
            return report.getMessage().contains(notReproduced) ? "(" + notReproduced + ": it depends on earlier requests)"
                    : withoutStackTrace(report.getMessage());
        }
    }

    /** QuickTheories' report without the stack trace of the cause, and at most three other falsifying values. */
    private static String withoutStackTrace(String report) {
        List<String> kept = new ArrayList<>();
        int others = -1;
        for (String line : report.split("\n")) {
            if (line.strip().startsWith("at ") || line.isBlank()) {
                continue;
            }
            if (others >= 0 && others++ >= 3) {
                continue;
            }
            if (line.startsWith("Other found falsifying value")) {
                others = 0;
            }
            kept.add(line);
        }
        return String.join("\n", kept);
    }

    // ---------------------------------------------------------------- state before and after

    /** The sentinels: the ids the fuzz uses, in spaces it never aims at. Answers each one's GET body. */
    private static Map<String, String> seedSentinels(TestHttp http) {
        expect(http.put("/api/v1/spaces/keepsake", null), 201);
        expect(http.put("/api/v1/spaces/" + FuzzRequests.SPACE, null), 201);
        Map<String, String> bodies = new LinkedHashMap<>();
        int n = 0;
        for (String space : SENTINEL_SPACES) {
            for (String id : SENTINEL_IDS) {
                n++;
                String path = memoryPath(space, id);
                expect(http.put(path, "{\"content\":\"sentinel " + n + " of " + space + "\",\"embedding\":[" + n
                        + ",0.5,0.25,0.125],\"confidence\":0.3}"), 201);
                bodies.put(path, expect(http.get(path), 200).body());
            }
        }
        return bodies;
    }

    /** What is wrong after fuzzing: liveness, sentinels, spaces, invariant reports. Empty when all is well. */
    private static List<String> stateAfterwards(TestHttp http, Map<String, String> sentinels, List<String> spacesBefore) {
        List<String> wrong = new ArrayList<>();
        TestHttp.Response liveness = http.get("/actuator/health/liveness");
        if (liveness.status() != 200 || !liveness.body().contains("\"UP\"")) {
            wrong.add("liveness is not UP: " + liveness);
        }
        sentinels.forEach((path, before) -> {
            TestHttp.Response now = http.get(path);
            if (now.status() != 200 || !now.body().equals(before)) {
                wrong.add("sentinel changed: GET " + path + "\n    before: " + before + "\n    now:    " + now);
            }
        });
        List<String> spacesNow = spaces(http);
        for (String space : spacesBefore) {
            if (!spacesNow.contains(space)) {
                wrong.add("space '" + space + "' existed before fuzzing and is gone; spaces now " + spacesNow);
            }
        }
        TestHttp.Response report = http.get("/actuator/warmtier");
        if (report.status() != 200) {
            wrong.add("GET /actuator/warmtier answered " + report);
            return wrong;
        }
        for (String space : spacesNow) {
            JsonNode invariants = report.json().path("spaces").path(space).path("invariants");
            if (!invariants.path("ok").asBoolean(false)) {
                wrong.add("invariant report of space '" + space + "' is not clean: " + invariants);
            }
        }
        return wrong;
    }

    /** A fuzzed path may legitimately shorten to a drop of the fuzz space ({@code ?} or {@code #} after it): bring it back. */
    private static void keepTheFuzzSpace(TestHttp http, RawHttp.Exchange exchange) {
        if (exchange.answered() && exchange.response().status() == 204 && !spaces(http).contains(FuzzRequests.SPACE)) {
            expect(http.put("/api/v1/spaces/" + FuzzRequests.SPACE, null), 201);
        }
    }

    private static List<String> spaces(TestHttp http) {
        List<String> names = new ArrayList<>();
        expect(http.get("/api/v1/spaces"), 200).json().path("spaces").forEach(s -> names.add(s.asString()));
        return names;
    }

    private static String memoryPath(String space, String id) {
        return "/api/v1/spaces/" + space + "/memories/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                .replace("+", "%20");
    }

    private static TestHttp.Response expect(TestHttp.Response response, int status) {
        if (response.status() != status) {
            throw new AssertionError("expected " + status + ", answered " + response);
        }
        return response;
    }
}
