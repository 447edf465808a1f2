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
 * A page of a listing is bounded by bytes as well as by {@code limit}: it stops before the memory
 * that would take it past {@code warmtier.max-page-bytes} of content records, and its cursor goes
 * on from there, so paging still visits every memory exactly once, in id order.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ListingPageTests {

    @TempDir
    static Path dataDir;

    static final int MAX_PAGE_BYTES = 2048;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.max-content-bytes", () -> "4096");
        registry.add("warmtier.max-page-bytes", () -> String.valueOf(MAX_PAGE_BYTES));
        registry.add("warmtier.durability", () -> "none");
        registry.add("warmtier.check-interval", () -> "0");
    }

    private static final String M = "/api/v1/spaces/default/memories";

    @LocalServerPort
    int port;

    @Test
    void aPageStopsAtItsByteBoundAndTheCursorGoesOnFromThere() {
        TestHttp http = new TestHttp(port);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = String.format("m-%02d", i);
            // 300 to 1200 bytes of content: several fit a page, never all
            http.put(M + "/" + id, "{\"content\":\"" + "c".repeat(300 + 30 * i) + "\"}");
            ids.add(id);
        }
        http.put(M + "/z-huge", "{\"content\":\"" + "h".repeat(4000) + "\"}");
        ids.add("z-huge");

        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            TestHttp.Response page = http.get(M + "?limit=1000" + (after == null ? "" : "&after=" + after));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            JsonNode items = page.json().path("items");
            int contentBytes = 0;
            for (JsonNode item : items) {
                seen.add(item.path("id").asString());
                contentBytes += item.path("content").asString().length();
            }
            assertThat(items.size()).as("a page holds at least one memory").isPositive();
            if (items.size() > 1) {
                assertThat(contentBytes).as("page %d's content", pages).isLessThanOrEqualTo(MAX_PAGE_BYTES);
            }
            pages++;
            after = page.json().path("next").isNull() ? null : page.json().path("next").asString();
        } while (after != null);

        assertThat(seen).as("every memory once, in id order").isEqualTo(ids);
        assertThat(pages).as("limit=1000 alone would have been one page").isGreaterThan(5);
    }
}
