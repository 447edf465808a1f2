package dev.warmtier.concurrency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warmtier.concurrency.ServiceKillDashNineTests.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One request must not be able to exhaust the heap. The real service runs in a child JVM with a
 * 128 MiB heap and the documented {@code -XX:+ExitOnOutOfMemoryError} (an exhausted heap ends the
 * process, so this test would see it exit). It holds 48 memories of 1 MiB each; then, started
 * together behind a barrier, six clients page through all of them with {@code limit=1000} and six
 * send 1.9 MB merge patches with 160 000 unknown members each. A page used to hold {@code limit}
 * contents (48 MiB each here) and such a patch used to be read into a tree and answered with one
 * error per member; either alone exhausted this heap.
 *
 * <p>Afterwards the process must be alive, liveness UP, every page whole and in order, every patch
 * a small 400 that changed nothing, and the interval flusher must still be flushing: its round
 * counter moves on and neither background task reports itself stopped.
 */
@Tag("integration")
class SmallHeapTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MEMORIES = 48;
    private static final int CONTENT_CHARS = 1_000_000;
    private static final int LISTERS = 6;
    private static final int PATCHERS = 6;
    private static final int PATCHES_EACH = 4;
    private static final int UNKNOWN_MEMBERS = 160_000;
    private static final Pattern FLUSHES = Pattern.compile("warmtier_flushes_total\\{space=\"default\"} (\\S+)");

    @TempDir
    Path tempDir;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void largeListingsAndLargeBadPatchesTogetherLeaveTheServiceAnsweringAndFlushing() throws Exception {
        ServiceProcess service = ServiceProcess.start(tempDir.resolve("data"), tempDir.resolve("service.log"),
                "small-heap service", List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1"),
                "--warmtier.check-interval=1s");
        try {
            service.awaitUp();
            String base = "http://localhost:" + service.port;
            for (int i = 0; i < MEMORIES; i++) {
                HttpResponse<String> put = send(base, "PUT", "/api/v1/spaces/default/memories/" + id(i),
                        "application/json", "{\"content\": \"" + content(i) + "\"}");
                assertThat(put.statusCode()).as("seeding %s: %s", id(i), put.body()).isEqualTo(201);
            }
            String patch = patchWithUnknownMembers();

            CyclicBarrier start = new CyclicBarrier(LISTERS + PATCHERS);
            ExecutorService pool = Executors.newFixedThreadPool(LISTERS + PATCHERS);
            List<Future<String>> outcomes = new ArrayList<>();
            for (int l = 0; l < LISTERS; l++) {
                outcomes.add(pool.submit(lister(base, start)));
            }
            for (int p = 0; p < PATCHERS; p++) {
                outcomes.add(pool.submit(patcher(base, start, patch)));
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.MINUTES)).as("the storm ended").isTrue();
            assertThat(service.process.isAlive()).as("the service survived the storm; its log ends:%n%s",
                    tail(service.output())).isTrue();
            for (Future<String> outcome : outcomes) {
                System.out.println("small heap: " + outcome.get());
            }

            assertThat(send(base, "GET", "/actuator/health/liveness", null, null).statusCode()).isEqualTo(200);
            HttpResponse<String> first = send(base, "GET", "/api/v1/spaces/default/memories/" + id(0) + "?embedding=false",
                    null, null);
            assertThat(JSON.readTree(first.body()).path("version").asLong()).as("patches changed nothing").isEqualTo(1);

            double flushesAfterStorm = flushes(base);
            HttpResponse<String> after = send(base, "PUT", "/api/v1/spaces/default/memories/after-the-storm",
                    "application/json", "{\"content\": \"written after\"}");
            assertThat(after.statusCode()).isEqualTo(201);
            await("the interval flusher flushes after the storm").atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(flushes(base)).isGreaterThan(flushesAfterStorm));
            String metrics = send(base, "GET", "/actuator/prometheus", null, null).body();
            assertThat(metrics).contains("warmtier_flush_stopped{space=\"default\"} 0.0")
                    .contains("warmtier_check_stopped 0.0");
            assertThat(JSON.readTree(send(base, "GET", "/actuator/health", null, null).body()).path("status")
                    .asString()).isEqualTo("UP");
        } catch (Throwable failure) {
            System.out.printf("---- log of the service ----%n%s---- end ----%n", service.output());
            throw failure;
        } finally {
            service.destroy();
        }
    }

    /** Pages through every memory with limit=1000: each page must be whole, in id order, and bounded. */
    private Callable<String> lister(String base, CyclicBarrier start) {
        return () -> {
            start.await();
            List<String> seen = new ArrayList<>();
            int pages = 0;
            String after = null;
            do {
                HttpResponse<String> page = send(base, "GET", "/api/v1/spaces/default/memories?limit=1000"
                        + (after == null ? "" : "&after=" + after), null, null);
                assertThat(page.statusCode()).as("page %d: %s", pages, abbreviated(page.body())).isEqualTo(200);
                JsonNode body = JSON.readTree(page.body());
                for (JsonNode item : body.path("items")) {
                    String id = item.path("id").asString();
                    int index = Integer.parseInt(id.substring("big-".length()));
                    assertThat(item.path("content").asString()).as("content of %s", id).isEqualTo(content(index));
                    seen.add(id);
                }
                pages++;
                after = body.path("next").isNull() ? null : body.path("next").asString();
            } while (after != null);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < MEMORIES; i++) {
                expected.add(id(i));
            }
            assertThat(seen).as("every memory once, in id order").isEqualTo(expected);
            return "listed " + seen.size() + " memories of 1 MB in " + pages + " pages";
        };
    }

    /** Sends bad patches: each must be a small 400 naming the first unknown member and how the rest went. */
    private Callable<String> patcher(String base, CyclicBarrier start, String patch) {
        return () -> {
            start.await();
            long largestAnswer = 0;
            for (int i = 0; i < PATCHES_EACH; i++) {
                HttpResponse<String> answer = send(base, "PATCH", "/api/v1/spaces/default/memories/" + id(i),
                        "application/merge-patch+json", patch);
                assertThat(answer.statusCode()).as("bad patch: %s", abbreviated(answer.body())).isEqualTo(400);
                assertThat(answer.body()).contains("u0").contains("is not a field");
                largestAnswer = Math.max(largestAnswer, answer.body().length());
            }
            assertThat(largestAnswer).as("a 400's size does not grow with the request").isLessThan(2048);
            return "sent " + PATCHES_EACH + " patches of " + patch.length() + " bytes, largest answer " + largestAnswer
                    + " bytes";
        };
    }

    private HttpResponse<String> send(String base, String method, String path, String type, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", type).method(method, HttpRequest.BodyPublishers.ofString(body, UTF_8));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    private double flushes(String base) throws Exception {
        Matcher matcher = FLUSHES.matcher(send(base, "GET", "/actuator/prometheus", null, null).body());
        assertThat(matcher.find()).as("warmtier_flushes_total of the default space is scraped").isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    private static String patchWithUnknownMembers() {
        StringBuilder patch = new StringBuilder("{");
        for (int i = 0; i < UNKNOWN_MEMBERS; i++) {
            patch.append(i == 0 ? "" : ",").append("\"u").append(i).append("\":0");
        }
        return patch.append('}').toString();
    }

    private static String id(int i) {
        return String.format("big-%02d", i);
    }

    /** 1 MB of text, different per memory, so a page that mixed two memories would show. */
    private static String content(int i) {
        return String.valueOf((char) ('a' + i % 26)).repeat(CONTENT_CHARS - 2) + String.format("%02d", i);
    }

    private static String tail(String log) {
        return log.length() <= 2000 ? log : log.substring(log.length() - 2000);
    }

    private static String abbreviated(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "... (" + text.length() + " chars)";
    }
}
