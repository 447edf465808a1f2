package dev.warmtier.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.engine.RacySlotAllocator;
import dev.warmtier.space.StoreOptionsCustomizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The service wired with a racy allocator that has the read-use-increment slot race (test
 * configuration only): concurrent PUTs over HTTP collide, and the service says so itself: the
 * report counts duplicate slots and health turns DOWN.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RacyServiceTests {

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.check-interval", () -> "0");
    }

    @TestConfiguration
    static class Racy {
        @Bean
        StoreOptionsCustomizer racyAllocator() {
            return options -> options.withAllocator(RacySlotAllocator::new);
        }
    }

    @LocalServerPort
    int port;

    @Test
    void theRacyAllocatorShowsAsDuplicateSlotsAndHealthDown() throws Exception {
        int workers = 10;
        CyclicBarrier start = new CyclicBarrier(workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                futures.add(pool.submit(() -> {
                    TestHttp http = new TestHttp(port);
                    start.await();
                    for (int i = 0; i < 100; i++) {
                        http.send("PUT", "/api/v1/spaces/default/memories/w" + worker + "-" + i,
                                "{\"content\":\"worker " + worker + " item " + i + "\"}");
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        TestHttp http = new TestHttp(port);
        TestHttp.Response report = http.send("GET", "/actuator/warmtier/default", null);
        System.out.println("racy service report: " + report.body());
        assertThat(report.json().get("invariants").get("duplicateSlots").asLong()).as(report.body()).isPositive();
        assertThat(report.json().get("invariants").get("ok").asBoolean()).isFalse();
        TestHttp.Response health = http.send("GET", "/actuator/health", null);
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.json().get("components").get("warmTier").get("status").asString()).isEqualTo("DOWN");
    }
}
