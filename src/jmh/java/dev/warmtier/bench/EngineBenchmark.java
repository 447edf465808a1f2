package dev.warmtier.bench;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreOptions;
import dev.warmtier.engine.StoredMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
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
 * Engine get and put latency with the contract's shape: 768-float embeddings and ~200-byte
 * content, against a baseline measured in the same run: a heap-only ConcurrentHashMap that
 * copies out the same bytes: a heap tier without durability.
 *
 * <p>Run: {@code ./mvnw -Pbench verify -DskipTests} (see README, "Benchmarks").
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class EngineBenchmark {

    private static final int DIMENSION = 768;

    @Param({"100000"})
    int memories;

    @Param({"interval"})
    String durability;

    private Path dir;
    private MemoryStore store;
    private final ConcurrentHashMap<String, HeapMemory> heap = new ConcurrentHashMap<>();
    private String[] ids;
    private MemoryWrite[] writes;

    /** The heap baseline's value: what a purely in-memory tier would keep per memory. */
    record HeapMemory(byte[] content, float[] embedding, float confidence, long version) {
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("warmtier-bench");
        store = MemoryStore.open(dir, StoreOptions.defaults()
                .withDurability(Durability.valueOf(durability.toUpperCase()), Duration.ofMillis(100)));
        ids = new String[memories];
        writes = new MemoryWrite[256];
        for (int i = 0; i < writes.length; i++) {
            float[] embedding = new float[DIMENSION];
            for (int d = 0; d < DIMENSION; d++) {
                embedding[d] = (float) Math.sin(i * 31 + d);
            }
            writes[i] = new MemoryWrite(content(i), embedding, 0.7f, 0.0f, 0.1f);
        }
        for (int i = 0; i < memories; i++) {
            ids[i] = "thread-" + (i % 16) + "-ep-" + i;
            MemoryWrite w = writes[i % writes.length];
            store.put(ids[i], w);
            heap.put(ids[i], new HeapMemory(w.content().getBytes(StandardCharsets.UTF_8), w.embedding().clone(),
                    w.confidence(), i));
        }
    }

    private static String content(int i) {
        StringBuilder text = new StringBuilder("Content from thread ").append(i % 16).append(" episode ").append(i);
        while (text.length() < 200) {
            text.append(' ').append(Integer.toHexString(text.length() * 7919 + i));
        }
        return text.substring(0, 200);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
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

    /** Baseline: a heap map lookup that copies out the same content and floats a get returns. */
    @Benchmark
    public Object heapGet() {
        HeapMemory m = heap.get(ids[ThreadLocalRandom.current().nextInt(ids.length)]);
        return new Object[] {new String(m.content(), StandardCharsets.UTF_8), m.embedding().clone(), m};
    }

    /** Baseline: a heap map replace that copies in the same content and floats a put stores. */
    @Benchmark
    public Object heapPut() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        MemoryWrite w = writes[random.nextInt(writes.length)];
        return heap.compute(ids[random.nextInt(ids.length)], (k, old) -> new HeapMemory(
                w.content().getBytes(StandardCharsets.UTF_8), w.embedding().clone(), w.confidence(),
                old == null ? 0 : old.version() + 1));
    }
}
