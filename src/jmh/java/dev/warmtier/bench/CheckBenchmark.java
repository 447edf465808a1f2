package dev.warmtier.bench;

import dev.warmtier.engine.CheckPace;
import dev.warmtier.engine.InvariantReport;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one full invariant check costs on a space of the contract's shape (768 floats, ~200-byte
 * content), with every id replaced once so half the slots are old versions: the figure that
 * {@code warmtier.check-cpu-share} spreads out. The paced variant runs at a share of 0.5 to show
 * the wall time stretching by 1 / share while the busy time stays the same.
 *
 * <p>Run: {@code ./mvnw -Pbench verify -DskipTests -Djmh.args="CheckBenchmark"}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
@State(Scope.Benchmark)
public class CheckBenchmark {

    @Param({"100000"})
    int memories;

    private Path dir;
    private MemoryStore store;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("warmtier-check-bench");
        store = MemoryStore.open(dir, StoreOptions.defaults());
        float[] embedding = new float[StoreOptions.DEFAULT_DIMENSION];
        for (int d = 0; d < embedding.length; d++) {
            embedding[d] = (float) Math.sin(d);
        }
        String content = "x".repeat(200);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < memories; i++) {
                store.put("memory-" + i, new MemoryWrite(content + round, embedding, 0.5f, 0f, 0f));
            }
        }
    }

    @Benchmark
    public InvariantReport fullCheck() {
        return requireOk(store.check());
    }

    @Benchmark
    public InvariantReport pacedCheckHalfACore() {
        return requireOk(store.check(CheckPace.cpuShare(0.5)));
    }

    private static InvariantReport requireOk(InvariantReport report) {
        if (!report.invariants().ok()) {
            throw new IllegalStateException("a benchmark store must be healthy: " + report);
        }
        return report;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
