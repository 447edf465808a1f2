package dev.warmtier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.space.SpaceRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service over real HTTP on a random port, with its data in a temporary directory.
 * {@link DirtiesContext} closes the context (and so every store) before JUnit deletes that directory.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureMetrics
@DirtiesContext
class WarmTierApplicationTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void dataDirInTempDir(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", dataDir::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    SpaceRegistry spaces;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void healthIsUp() throws Exception {
        HttpResponse<String> response = get("/actuator/health");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response).path("status").asString()).as(response.body()).isEqualTo("UP");
    }

    @Test
    void livenessAndReadinessProbesAreUp() throws Exception {
        for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
            HttpResponse<String> response = get(probe);

            assertThat(response.statusCode()).as(probe + ": " + response.body()).isEqualTo(200);
            assertThat(json(response).path("status").asString()).as(probe + ": " + response.body()).isEqualTo("UP");
        }
    }

    @Test
    void prometheusScrapeIsExposed() throws Exception {
        HttpResponse<String> response = get("/actuator/prometheus");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(response.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void otherActuatorEndpointsAreNotExposed() throws Exception {
        assertThat(get("/actuator/env").statusCode()).isEqualTo(404);
        assertThat(get("/actuator/beans").statusCode()).isEqualTo(404);
    }

    @Test
    void theDefaultSpaceLivesInTheConfiguredDataDir() {
        assertThat(spaces.names()).containsExactly("default");
        assertThat(spaces.dataDir()).isEqualTo(dataDir.toAbsolutePath());
        assertThat(dataDir.resolve("default/slots.dat")).isRegularFile();
        assertThat(dataDir.resolve("default/content.log")).isRegularFile();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JsonMapper.shared().readTree(response.body());
    }
}
