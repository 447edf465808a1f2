package dev.warmtier.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.WarmTierApplication;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole service, over HTTP, stopped and started again on the same data dir: everything
 * acknowledged before the stop answers the same after it, versions keep growing, deletes stay
 * deleted, and spaces created over the API are opened again at startup.
 */
@Tag("integration")
class RestartApiTests {

    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(WarmTierApplication.class)
                .registerShutdownHook(false)
                .run("--server.port=0", "--warmtier.data-dir=" + dataDir, "--warmtier.embedding-dimension=4",
                        "--warmtier.durability=always");
    }

    private static TestHttp http(ConfigurableApplicationContext context) {
        return new TestHttp(((WebServerApplicationContext) context).getWebServer().getPort());
    }

    @Test
    void whatWasAcknowledgedBeforeARestartAnswersTheSameAfterIt() {
        String kept;
        long lastVersion;
        try (ConfigurableApplicationContext first = start()) {
            TestHttp http = http(first);
            assertThat(http.put("/api/v1/spaces/restart-space", null).status()).isEqualTo(201);
            http.put("/api/v1/spaces/restart-space/memories/kept",
                    "{\"content\":\"survives\",\"embedding\":[1,2,3,4],\"confidence\":0.25}");
            http.put("/api/v1/spaces/default/memories/gone", "{\"content\":\"deleted before the restart\"}");
            assertThat(http.send("DELETE", "/api/v1/spaces/default/memories/gone", null).status()).isEqualTo(204);
            TestHttp.Response patched = http.send("PATCH", "/api/v1/spaces/restart-space/memories/kept",
                    "{\"activation\":0.5}", "Content-Type", "application/merge-patch+json");
            kept = patched.body();
            lastVersion = patched.json().get("version").asLong();
        }
        try (ConfigurableApplicationContext second = start()) {
            TestHttp http = http(second);
            assertThat(http.get("/api/v1/spaces").json().get("spaces").toString()).contains("restart-space");
            TestHttp.Response got = http.get("/api/v1/spaces/restart-space/memories/kept");
            assertThat(got.status()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(kept);
            assertThat(http.get("/api/v1/spaces/default/memories/gone").status()).isEqualTo(404);
            TestHttp.Response next = http.put("/api/v1/spaces/restart-space/memories/kept", "{\"content\":\"after\"}",
                    "If-Match", "\"" + lastVersion + "\"");
            assertThat(next.status()).as("%s", next).isEqualTo(200);
            assertThat(next.json().get("version").asLong()).isGreaterThan(lastVersion);
        }
    }
}
