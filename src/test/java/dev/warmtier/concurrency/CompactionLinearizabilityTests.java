package dev.warmtier.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.support.LinearizabilityChecker.Operation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Compaction under concurrency, over HTTP: the linearizability workload of
 * {@link LinearizabilityTests} (8 clients, 3 keys, PUT, If-Match PUT, GET, DELETE) while a ninth
 * client compacts the space in a loop. Every key's history must be linearizable, every
 * acknowledged write still there at the end (the closing GETs), and the invariant report clean.
 * {@link BrokenCompactionTests} runs the same with a copy-then-swap compaction and must fail.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class CompactionLinearizabilityTests {

    static final int OPS_PER_CLIENT = 300;
    /** Compactions that must finish while the clients run, or the run proved little. */
    static final int MINIMUM_COMPACTIONS = 10;

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("warmtier.data-dir", () -> dataDir.toString());
        registry.add("warmtier.embedding-dimension", () -> "4");
        registry.add("warmtier.check-interval", () -> "0");
        registry.add("warmtier.compaction.interval", () -> "0");
    }

    @LocalServerPort
    int port;

    @Test
    void everyKeyStaysLinearizableWhileCompactionLoops() throws Exception {
        Map<String, String> failures = run(port, "lin-compacting");
        assertThat(failures).as(() -> String.join("\n", failures.values())).isEmpty();
        TestHttp.Response report = new TestHttp(port).get("/actuator/warmtier/lin-compacting");
        assertThat(report.status()).isEqualTo(200);
        assertThat(report.json().get("invariants").get("ok").asBoolean()).as(report.toString()).isTrue();
    }

    /**
     * Runs the workload on {@code space} with a compaction loop beside it; answers the keys whose
     * history is not linearizable, explained.
     */
    static Map<String, String> run(int port, String space) throws Exception {
        TestHttp compactor = new TestHttp(port);
        Map<String, List<Operation>> histories = new LinearizabilityWorkload(port).record(space, OPS_PER_CLIENT,
                clientsDone -> {
                    int compactions = 0;
                    while (!clientsDone.getAsBoolean()) {
                        TestHttp.Response response = compactor.send("POST", "/api/v1/spaces/" + space + "/compact", null);
                        assertThat(response.status()).as(response.toString()).isEqualTo(200);
                        compactions++;
                    }
                    assertThat(compactions).as("compactions while the clients ran").isGreaterThanOrEqualTo(MINIMUM_COMPACTIONS);
                    return compactions + " compactions";
                });
        return LinearizabilityWorkload.unlinearizable(histories);
    }
}
