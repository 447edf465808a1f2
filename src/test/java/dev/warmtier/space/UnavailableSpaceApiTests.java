package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.RunningService;
import dev.warmtier.TestHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole service started on a data dir where one space's files are damaged: it starts, every
 * other space serves, the damaged one answers 503 with Retry-After, and health is DOWN naming it.
 */
@Tag("integration")
class UnavailableSpaceApiTests {

    @TempDir
    Path dataDir;

    @Test
    void aSpaceWhoseFilesCannotBeOpenedAnswers503WhileTheOthersServe() throws Exception {
        try (ConfigurableApplicationContext first = RunningService.start(dataDir)) {
            TestHttp http = RunningService.http(first);
            assertThat(http.put("/api/v1/spaces/damaged", null).status()).isEqualTo(201);
            assertThat(http.put("/api/v1/spaces/damaged/memories/a", "{\"content\":\"x\"}").status()).isEqualTo(201);
            assertThat(http.put("/api/v1/spaces/default/memories/a", "{\"content\":\"kept\"}").status()).isEqualTo(201);
        }
        Files.delete(dataDir.resolve("damaged/content.log")); // an incomplete restore

        try (ConfigurableApplicationContext second = RunningService.start(dataDir)) {
            TestHttp http = RunningService.http(second);
            TestHttp.Response unavailable = http.get("/api/v1/spaces/damaged/memories/a");
            assertThat(unavailable.status()).as("%s", unavailable).isEqualTo(503);
            assertThat(unavailable.header("Content-Type")).startsWith("application/problem+json");
            assertThat(unavailable.header("Retry-After")).isNotNull();
            assertThat(unavailable.body()).doesNotContain(dataDir.toString());
            assertThat(http.put("/api/v1/spaces/damaged/memories/b", "{\"content\":\"y\"}").status()).isEqualTo(503);
            assertThat(http.put("/api/v1/spaces/damaged", null).status()).isEqualTo(503);

            assertThat(http.get("/api/v1/spaces/default/memories/a").json().get("content").asString()).isEqualTo("kept");
            assertThat(http.put("/api/v1/spaces/other", null).status()).isEqualTo(201);

            TestHttp.Response health = http.get("/actuator/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().at("/components/warmTier/status").asString()).isEqualTo("DOWN");
            assertThat(health.json().at("/components/warmTier/details/spaces/damaged/error").asString())
                    .contains("could not be opened at startup").contains("content.log").contains("is missing");

            assertThat(http.send("DELETE", "/api/v1/spaces/damaged", null).status()).isEqualTo(204);
            assertThat(http.get("/api/v1/spaces/damaged/memories/a").status()).isEqualTo(404);
        }
    }
}
