package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.DamagedFiles;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.SlotLayout;
import dev.warmtier.engine.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The warmtier meters as Prometheus scrapes them: each one exists per open space, moves with the
 * operations it counts, and disappears with its space; nothing is tagged by id or slot.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
@DirtiesContext
class WarmTierMetersTests {

    private static final int DIMENSION = 4;

    @TempDir
    static Path dataDir;

    /**
     * Before the service starts: a space closed cleanly, then its clean-shutdown mark removed and
     * one committed slot damaged, so opening it is a recovery that discards that slot.
     */
    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Path recovered = dataDir.resolve("recovered");
        long damagedSlot;
        try (MemoryStore store = MemoryStore.open(recovered, StoreOptions.defaults().withEmbeddingDimension(DIMENSION))) {
            damagedSlot = store.put("a", MemoryWrite.of("first")).memory().slot();
            store.put("b", MemoryWrite.of("second"));
        }
        Files.delete(recovered.resolve("clean-shutdown"));
        new DamagedFiles(recovered, DIMENSION).flipSlotByte(damagedSlot, SlotLayout.EMBEDDING_OFFSET + 1);

        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> String.valueOf(DIMENSION));
        registry.add("warmtier.check-interval", () -> "0");
    }

    @LocalServerPort
    int port;

    @Test
    void everyMeterMovesWithTheOperationsItCounts() {
        TestHttp http = new TestHttp(port);
        assertThat(http.send("PUT", "/api/v1/spaces/metered", null).status()).isEqualTo(201);
        String base = "/api/v1/spaces/metered/memories/";
        for (int i = 0; i < 3; i++) {
            assertThat(http.send("PUT", base + "m" + i, "{\"content\":\"memory " + i + "\"}").status()).isEqualTo(201);
        }
        assertThat(http.send("GET", base + "m0", null).status()).isEqualTo(200);
        assertThat(http.send("GET", base + "m1", null).status()).isEqualTo(200);
        assertThat(http.send("DELETE", base + "m2", null).status()).isEqualTo(204);
        assertThat(http.send("POST", base + "batch",
                "{\"memories\":[{\"id\":\"b1\",\"content\":\"x\"},{\"id\":\"b2\",\"content\":\"y\"}]}").status())
                .isEqualTo(200);
        assertThat(http.send("GET", "/actuator/warmtier/metered", null).status()).isEqualTo(200);
        String query = "{\"embedding\":" + java.util.Arrays.toString(new float[DIMENSION]) + ",\"k\":2}";
        assertThat(http.send("POST", "/api/v1/spaces/metered/recall", query).status()).isEqualTo(200);
        assertThat(http.send("POST", "/api/v1/spaces/metered/recall", query).status()).isEqualTo(200);
        assertThat(http.send("POST", "/api/v1/spaces/metered/recall", "{\"k\":2}").status()).isEqualTo(400);

        String scrape = scrape(http);
        String space = "space=\"metered\"";
        // Timers: three PUTs and two batch items are five stores; histograms with buckets.
        assertThat(value(scrape, "warmtier_store_seconds_count", space)).isEqualTo(5);
        assertThat(value(scrape, "warmtier_get_seconds_count", space)).isEqualTo(2);
        assertThat(value(scrape, "warmtier_delete_seconds_count", space)).isEqualTo(1);
        assertThat(value(scrape, "warmtier_batch_seconds_count", space)).isEqualTo(1);
        assertThat(value(scrape, "warmtier_check_seconds_count", space)).isEqualTo(1);
        // Two recalls, each scoring the four live memories; the one without a query is refused before it is timed.
        assertThat(value(scrape, "warmtier_recall_seconds_count", space)).isEqualTo(2);
        assertThat(value(scrape, "warmtier_recall_scanned_total", space)).isEqualTo(8);
        assertThat(scrape).contains("warmtier_store_seconds_bucket{" + space + ",le=\"1.0E-6\"}")
                .contains("warmtier_get_seconds_bucket{" + space + ",le=\"+Inf\"} 2");
        // Gauges from the engine's counters: m0, m1, b1, b2 live; six slots (three PUTs, a delete, two items).
        assertThat(value(scrape, "warmtier_slots_live", space)).isEqualTo(4);
        assertThat(value(scrape, "warmtier_slots_allocated", space)).isEqualTo(6);
        assertThat(value(scrape, "warmtier_slots_capacity", space)).isPositive();
        assertThat(value(scrape, "warmtier_content_bytes", space)).isPositive();
        assertThat(value(scrape, "warmtier_content_live_bytes", space))
                .isPositive().isLessThan(value(scrape, "warmtier_content_bytes", space));
        // A space's first chunks are made when it is created, before it opens (the create opens and
        // closes it in <space>.creating); these writes fit them, so nothing grew since the open.
        // A healthy space has no violations.
        assertThat(value(scrape, "warmtier_growth_events_total", space)).isZero();
        assertThat(value(scrape, "warmtier_invariant_violations_total", space)).isZero();
        assertThat(value(scrape, "warmtier_check_violations", space)).isZero();
        assertThat(value(scrape, "warmtier_recoveries_total", space)).isZero();
        assertThat(value(scrape, "warmtier_read_checksum_failures_total", space)).isZero();
        // Tagged by space only.
        assertThat(scrape.lines().filter(l -> l.startsWith("warmtier_")))
                .allSatisfy(line -> assertThat(line).doesNotContain("id=").doesNotContain("slot="));

        // The space recovered at startup says so, and counts the slot it threw away.
        assertThat(value(scrape, "warmtier_recoveries_total", "space=\"recovered\"")).isEqualTo(1);
        assertThat(value(scrape, "warmtier_recovery_discarded_total", "space=\"recovered\"")).isEqualTo(1);
        assertThat(value(scrape, "warmtier_recoveries_total", "space=\"default\"")).isZero();
    }

    @Test
    void damageFoundByAChecksumOnReadAndByACheckIsCounted() throws Exception {
        TestHttp http = new TestHttp(port);
        assertThat(http.send("PUT", "/api/v1/spaces/damaged", null).status()).isEqualTo(201);
        TestHttp.Response put = http.send("PUT", "/api/v1/spaces/damaged/memories/victim", "{\"content\":\"soon bad\"}");
        new DamagedFiles(dataDir.resolve("damaged"), DIMENSION)
                .flipSlotByte(put.json().get("slot").asLong(), SlotLayout.EMBEDDING_OFFSET + 1);

        assertThat(http.send("GET", "/api/v1/spaces/damaged/memories/victim", null).status()).isEqualTo(500);
        http.send("GET", "/actuator/warmtier/damaged", null);
        http.send("GET", "/actuator/warmtier/damaged", null);

        String scrape = scrape(http);
        String space = "space=\"damaged\"";
        assertThat(value(scrape, "warmtier_read_checksum_failures_total", space)).isEqualTo(1);
        assertThat(value(scrape, "warmtier_check_violations", space)).isEqualTo(1);
        assertThat(value(scrape, "warmtier_invariant_violations_total", space)).as("summed over two checks").isEqualTo(2);
    }

    @Test
    void aSpaceHasMetersExactlyWhileItExists() {
        TestHttp http = new TestHttp(port);
        assertThat(http.send("GET", "/api/v1/spaces/nosuchspace/memories/x", null).status()).isEqualTo(404);
        assertThat(http.send("PUT", "/api/v1/spaces/shortlived", null).status()).isEqualTo(201);
        http.send("PUT", "/api/v1/spaces/shortlived/memories/x", "{\"content\":\"x\"}");
        String before = scrape(http);
        assertThat(before).contains("space=\"shortlived\"");
        assertThat(value(before, "warmtier_check_violations", "space=\"shortlived\"")).as("never checked: unknown")
                .isNaN();

        assertThat(http.send("DELETE", "/api/v1/spaces/shortlived", null).status()).isEqualTo(204);
        String scrape = scrape(http);
        assertThat(scrape).doesNotContain("space=\"shortlived\"").doesNotContain("space=\"nosuchspace\"");
    }

    private static String scrape(TestHttp http) {
        TestHttp.Response response = http.send("GET", "/actuator/prometheus", null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** The value of the one sample of {@code name} whose labels include {@code label}. */
    private static double value(String scrape, String name, String label) {
        Pattern sample = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(scrape);
        Double found = null;
        while (m.find()) {
            if (("," + m.group(1) + ",").contains("," + label + ",")) {
                assertThat(found).as("one sample of %s{%s}", name, label).isNull();
                found = Double.parseDouble(m.group(2));
            }
        }
        assertThat(found).as("a sample of %s{%s} in:%n%s", name, label,
                scrape.lines().filter(l -> l.startsWith("warmtier_")).limit(80).reduce("", (a, b) -> a + b + "\n"))
                .isNotNull();
        return found;
    }
}
