package dev.warmtier.bench;

import dev.warmtier.engine.CompactionReport;
import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreOptions;
import dev.warmtier.engine.StoredMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * What compaction costs the requests beside it, and how long one takes.
 *
 * <ul>
 *   <li>{@link Beside}: get and put latency (p50, p99, max: JMH's sample mode) on a store of 100 000
 *       memories (768 floats, ~200-byte content, {@code interval} durability), with
 *       {@code compaction=off} (the baseline, same run) and {@code compaction=looping}: another
 *       thread compacts the store back to back all through the measurement. Each iteration prints
 *       the compactions it saw and their longest pause.</li>
 *   <li>{@link HalfDead}: one compaction of 100 000 memories, half of them deleted (150 000 slots,
 *       50 000 live), one shot per iteration on a store built afresh for it.</li>
 * </ul>
 *
 * <p>Run: {@code ./mvnw -Pbench verify -DskipTests -Djmh.args="CompactionBenchmark"}.
 */
public class CompactionBenchmark {

    private static final int DIMENSION = 768;

    static MemoryWrite write(int i) {
        float[] embedding = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            embedding[d] = (float) Math.sin(i * 31 + d);
        }
        StringBuilder text = new StringBuilder("Content of memory ").append(i);
        while (text.length() < 200) {
            text.append(' ').append(Integer.toHexString(text.length() * 7919 + i));
        }
        return new MemoryWrite(text.substring(0, 200), embedding, 0.7f, 0.0f, 0.1f);
    }

    static MemoryStore open(Path dir) {
        return MemoryStore.open(dir, StoreOptions.defaults().withDurability(Durability.INTERVAL, Duration.ofMillis(100)));
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 2, time = 3)
    @Measurement(iterations = 5, time = 4)
    @Fork(1)
    @State(Scope.Benchmark)
    public static class Beside {

        @Param({"100000"})
        int memories;

        @Param({"off", "looping"})
        String compaction;

        private Path dir;
        private MemoryStore store;
        private String[] ids;
        private MemoryWrite[] writes;
        private Thread compactor;
        private final AtomicBoolean compacting = new AtomicBoolean();
        private volatile int compactions;
        private volatile long longestPauseMicros;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("warmtier-bench-compaction");
            store = open(dir);
            ids = new String[memories];
            writes = new MemoryWrite[256];
            for (int i = 0; i < writes.length; i++) {
                writes[i] = write(i);
            }
            for (int i = 0; i < memories; i++) {
                ids[i] = "memory-" + i;
                store.put(ids[i], writes[i % writes.length]);
            }
        }

        @Setup(Level.Iteration)
        public void startCompacting() {
            compactions = 0;
            longestPauseMicros = 0;
            if (!compaction.equals("looping")) {
                return;
            }
            compacting.set(true);
            compactor = new Thread(() -> {
                while (compacting.get()) {
                    CompactionReport report = store.compact();
                    compactions++;
                    longestPauseMicros = Math.max(longestPauseMicros, report.pausedMicros());
                }
            }, "bench-compactor");
            compactor.start();
        }

        @TearDown(Level.Iteration)
        public void stopCompacting() throws InterruptedException {
            if (compactor != null) {
                compacting.set(false);
                compactor.join();
                compactor = null;
                System.out.printf("%n  compactions this iteration: %d, longest pause %d us%n", compactions,
                        longestPauseMicros);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            store.close();
            delete(dir);
        }

        @Benchmark
        public StoredMemory get() {
            return store.get(ids[ThreadLocalRandom.current().nextInt(ids.length)]).orElseThrow();
        }

        @Benchmark
        public Object put() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            return store.put(ids[random.nextInt(ids.length)], writes[random.nextInt(writes.length)]);
        }
    }

    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    @Fork(1)
    @State(Scope.Benchmark)
    public static class HalfDead {

        @Param({"100000"})
        int memories;

        private Path dir;
        private MemoryStore store;

        @Setup(Level.Iteration)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("warmtier-bench-half-dead");
            store = open(dir);
            for (int i = 0; i < memories; i++) {
                store.put("memory-" + i, write(i));
            }
            for (int i = 0; i < memories; i += 2) {
                store.delete("memory-" + i);
            }
            store.flush();
        }

        @TearDown(Level.Iteration)
        public void tearDown() throws IOException {
            CompactionReport report = store.lastCompaction().orElseThrow();
            System.out.printf("%n  %s%n", report);
            store.close();
            delete(dir);
        }

        @Benchmark
        public CompactionReport compact() {
            return store.compact();
        }
    }
}
