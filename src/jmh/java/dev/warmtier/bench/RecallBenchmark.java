package dev.warmtier.bench;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.RecallQuery;
import dev.warmtier.engine.RecallResult;
import dev.warmtier.engine.SlotLayout;
import dev.warmtier.engine.StoreException;
import dev.warmtier.engine.StoreLockedException;
import dev.warmtier.engine.StoreOptions;
import dev.warmtier.engine.StoreStats;
import dev.warmtier.engine.VectorScorer;
import dev.warmtier.engine.VectorScorers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Recall's scan rate, in memories scanned per second and GB/s, against the machine's memory
 * bandwidth measured in the same run by a plain sequential read of the same bytes.
 *
 * <ul>
 *   <li>{@link #recall}: one recall (k = 10, no filter, a random query from a fixed set) on a store
 *       of {@code size} memories of 768 floats, with the recall loop {@code path} ({@code vector}:
 *       the Vector API's, {@code scalar}: the plain Java one) and {@code threads} threads per recall
 *       (the store's {@code recallThreads}: the caller and {@code threads - 1} recall workers; JMH
 *       itself runs one benchmark thread).</li>
 *   <li>{@link #sequentialRead}: the baseline: the slot region of the same store's {@code slots.dat}
 *       ({@code size} x 3136 bytes), mapped read-only and read from start to end as longs summed in
 *       eight accumulators, by {@code threads} threads (the caller and {@code threads - 1} helpers,
 *       each a contiguous share of the slots).</li>
 * </ul>
 *
 * <p><b>Reading the output.</b> Throughput mode: the primary score is recalls (or reads) per
 * second. Two auxiliary counters ({@link Rates}) come out beside it, also per second:
 * {@code :memories}, memories scanned per second (for a recall, what its result reports as
 * scanned; for the read, the slots read), and {@code :gigabytes}, GB/s (10^9 bytes), counting
 * 3136 bytes per memory: the whole slot, which is what a recall reads of each live slot (the
 * confidence and norm in the slot header's last 16 bytes, so its one cache line, then the 768
 * floats) and what the baseline reads. The targets compare {@code recall:gigabytes} with
 * {@code sequentialRead:gigabytes} of the same size and threads: the Vector API path at 0.8x or
 * more, scalar at 0.5x or more.
 *
 * <p><b>The data.</b> One store per size in {@code java.io.tmpdir}, {@code warmtier-recall-bench-<size>},
 * built by the first fork that needs it (ids {@code m-<i>}, ~50-byte content, Gaussian embeddings
 * from a fixed seed, {@code none} durability, two writer threads) and reused by every later fork
 * and run while it opens with exactly {@code size} live memories in {@code size} slots; anything
 * else is deleted and built again. The 1,000,000 store takes 3.1 GB of slots (3.3 GB of files) and
 * about 20 s to build on a 2-core machine; both stores together hold about 3.6 GB of page cache.
 * Remove them with {@code rm -rf /tmp/warmtier-recall-bench-*}. Each fork reads its bytes once before measuring
 * (one recall, or one read), so both sides scan data in the page cache and already mapped; the
 * warmup iterations do the rest.
 *
 * <p>Every fork runs with {@code --add-modules jdk.incubator.vector}, so the Vector API loop exists;
 * {@code path=scalar} picks the scalar loop explicitly ({@link StoreOptions#withRecall}).
 * Twelve forks (8 recall, 4 read) of about 25 s each: 5 minutes on a 2-core machine, plus the first
 * build. The 2-thread cases need both cores free: run it on an otherwise idle machine, or a busy
 * core shows up as a 2-thread score no better than (or below) the 1-thread one.
 *
 * <p>Run: {@code ./mvnw -Pbench verify -DskipTests -Djmh.args="RecallBenchmark"}; one size:
 * {@code -Djmh.args="RecallBenchmark -p size=100000"}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class RecallBenchmark {

    static final int DIMENSION = 768;
    /** Bytes of one slot of 768 floats (3136): a 64-byte header and the floats. */
    static final int SLOT_BYTES = SlotLayout.slotSize(DIMENSION);
    static final String SLOT_FILE = "slots.dat";
    static final int K = 10;
    static final long SEED = 0x5EED_0768L;

    /** The store of {@code size} memories, opened with one recall loop and thread count. */
    @State(Scope.Benchmark)
    public static class Recalling {

        @Param({"100000", "1000000"})
        int size;

        @Param({"vector", "scalar"})
        String path;

        @Param({"1", "2"})
        int threads;

        MemoryStore store;
        private RecallQuery[] queries;
        private int next;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            VectorScorer scorer = switch (path) {
                case "vector" -> VectorScorers.vectorApi().orElseThrow(() -> new IllegalStateException(
                        "path=vector needs the JVM flag --add-modules jdk.incubator.vector"));
                case "scalar" -> VectorScorers.scalar();
                default -> throw new IllegalArgumentException("path: vector or scalar, was " + path);
            };
            store = openBuilt(size, options().withRecall(scorer, threads));
            Random random = new Random(SEED);
            queries = new RecallQuery[64];
            for (int q = 0; q < queries.length; q++) {
                queries[q] = RecallQuery.of(gaussian(random::nextGaussian), K);
            }
            RecallResult first = store.recall(queries[queries.length - 1]); // maps and touches every slot
            if (first.scanned() != size || first.hits().size() != K) {
                throw new IllegalStateException("a recall scanned " + first.scanned() + " of " + size
                        + " memories and found " + first.hits().size() + " of " + K);
            }
            System.out.printf("%n  recall loop %s, %d thread(s), %d memories in %s%n", scorer.name(), threads, size,
                    store.directory());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
        }

        RecallQuery nextQuery() {
            RecallQuery query = queries[next];
            next = (next + 1) % queries.length;
            return query;
        }
    }

    /** The slot region of the same store's {@code slots.dat}, mapped read-only in chunks. */
    @State(Scope.Benchmark)
    public static class Reading {

        /** Bytes per mapping: under the 2 GiB limit of a buffer, and a multiple of 64, as every share is. */
        static final long CHUNK_BYTES = 1L << 30;

        @Param({"100000", "1000000"})
        int size;

        @Param({"1", "2"})
        int threads;

        ByteBuffer[] chunks;
        /** Where share p of the region starts, in bytes from its start; {@code threads + 1} bounds. */
        long[] shares;
        ExecutorService helpers;

        @Setup(Level.Trial)
        public void setUp() throws IOException, ExecutionException, InterruptedException {
            Path file;
            try (MemoryStore store = openBuilt(size, options())) {
                file = store.directory().resolve(SLOT_FILE);
            }
            long region = (long) size * SLOT_BYTES;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                chunks = new ByteBuffer[(int) ((region + CHUNK_BYTES - 1) / CHUNK_BYTES)];
                for (int c = 0; c < chunks.length; c++) {
                    long from = c * CHUNK_BYTES;
                    chunks[c] = channel.map(FileChannel.MapMode.READ_ONLY, SlotLayout.HEADER_BYTES + from,
                                    Math.min(CHUNK_BYTES, region - from))
                            .order(ByteOrder.LITTLE_ENDIAN);
                }
            }
            shares = new long[threads + 1];
            for (int p = 0; p <= threads; p++) {
                shares[p] = (long) size * p / threads * SLOT_BYTES; // whole slots, so multiples of 64 bytes
            }
            if (threads > 1) {
                helpers = Executors.newFixedThreadPool(threads - 1, work -> {
                    Thread thread = new Thread(work, "bench-read-helper");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            read(this); // faults every page in, as the first recall does on the other side
            System.out.printf("%n  sequential read of %d bytes of %s, %d thread(s)%n", region, file, threads);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (helpers != null) {
                helpers.shutdownNow();
            }
        }

        /** Sums the longs of region bytes [from, to) (multiples of 64), across chunks. */
        long sum(long from, long to) {
            long total = 0;
            while (from < to) {
                int c = (int) (from / CHUNK_BYTES);
                int start = (int) (from - c * CHUNK_BYTES);
                int end = (int) Math.min(CHUNK_BYTES, to - c * CHUNK_BYTES);
                total += sum(chunks[c], start, end);
                from += end - start;
            }
            return total;
        }

        /** Eight longs (one cache line) per step into eight independent sums. */
        private static long sum(ByteBuffer buffer, int from, int to) {
            long s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (int at = from; at < to; at += 64) {
                s0 += buffer.getLong(at);
                s1 += buffer.getLong(at + 8);
                s2 += buffer.getLong(at + 16);
                s3 += buffer.getLong(at + 24);
                s4 += buffer.getLong(at + 32);
                s5 += buffer.getLong(at + 40);
                s6 += buffer.getLong(at + 48);
                s7 += buffer.getLong(at + 56);
            }
            return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        }
    }

    /**
     * What one operation scanned, summed over the iteration; JMH divides by its time
     * ({@link AuxCounters.Type#OPERATIONS}), so they print as memories/s and GB/s.
     */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Rates {
        public long memories;
        public double gigabytes;

        @Setup(Level.Iteration)
        public void reset() {
            memories = 0;
            gigabytes = 0;
        }

        void add(long scanned) {
            memories += scanned;
            gigabytes += scanned * (double) SLOT_BYTES / 1e9;
        }
    }

    @Benchmark
    public RecallResult recall(Recalling state, Rates rates) {
        RecallResult result = state.store.recall(state.nextQuery());
        rates.add(result.scanned());
        return result;
    }

    @Benchmark
    public long sequentialRead(Reading state, Rates rates) throws ExecutionException, InterruptedException {
        long sum = read(state);
        rates.add(state.size);
        return sum;
    }

    /** The whole region, share 0 on the caller's thread and the others on the helpers. */
    static long read(Reading state) throws ExecutionException, InterruptedException {
        long[] shares = state.shares;
        if (state.helpers == null) {
            return state.sum(shares[0], shares[1]);
        }
        @SuppressWarnings("unchecked")
        Future<Long>[] parts = new Future[shares.length - 2];
        for (int p = 1; p < shares.length - 1; p++) {
            long from = shares[p];
            long to = shares[p + 1];
            parts[p - 1] = state.helpers.submit(() -> state.sum(from, to));
        }
        long sum = state.sum(shares[0], shares[1]);
        for (Future<Long> part : parts) {
            sum += part.get();
        }
        return sum;
    }

    // ---- the store ---------------------------------------------------------------------------

    static StoreOptions options() {
        return StoreOptions.defaults().withDurability(Durability.NONE, Duration.ofMillis(100));
    }

    static Path directory(int size) {
        return Path.of(System.getProperty("java.io.tmpdir"), "warmtier-recall-bench-" + size);
    }

    /** The store of {@code size} memories, opened with {@code options}: reused when complete, else built afresh. */
    static MemoryStore openBuilt(int size, StoreOptions options) throws IOException {
        Path dir = directory(size);
        if (Files.exists(dir)) {
            MemoryStore store = openIfComplete(dir, size, options);
            if (store != null) {
                return store;
            }
            System.out.printf("%n  %s does not hold exactly %d memories in %d slots: building it again%n", dir,
                    size, size);
            delete(dir);
        }
        build(dir, size);
        MemoryStore store = openIfComplete(dir, size, options);
        if (store == null) {
            throw new IllegalStateException(dir + " was just built with " + size + " memories, yet does not hold them");
        }
        return store;
    }

    /** The store open, when it has {@code size} live memories in slots 0 to {@code size - 1}; else null, closed. */
    private static MemoryStore openIfComplete(Path dir, int size, StoreOptions options) throws IOException {
        MemoryStore store;
        try {
            store = MemoryStore.open(dir, options);
        } catch (StoreLockedException e) {
            throw e; // another run is using it: leave it alone
        } catch (StoreException e) {
            return null;
        }
        StoreStats stats = store.stats();
        Path slots = store.directory().resolve(SLOT_FILE);
        if (stats.slotsLive() == size && stats.slotsAllocated() == size && Files.isRegularFile(slots)
                && Files.size(slots) >= SlotLayout.HEADER_BYTES + (long) size * SLOT_BYTES) {
            return store;
        }
        store.close();
        return null;
    }

    private static void build(Path dir, int size) {
        System.out.printf("%n  building %d memories in %s ...", size, dir);
        long start = System.nanoTime();
        try (MemoryStore store = MemoryStore.open(dir, options())) {
            IntStream.range(0, size).parallel().forEach(i -> store.put("m-" + i, write(i)));
        }
        System.out.printf(" %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /** Memory i: a Gaussian embedding from its own seed (so the store is the same whatever the thread order). */
    static MemoryWrite write(int i) {
        SplittableRandom random = new SplittableRandom(SEED ^ (i * 0x9E37_79B9_7F4A_7C15L));
        StringBuilder content = new StringBuilder("Memory ").append(i).append(" of the recall benchmark:");
        while (content.length() < 50) {
            content.append(' ').append(Integer.toHexString(random.nextInt() >>> 8));
        }
        return new MemoryWrite(content.substring(0, 50), gaussian(random::nextGaussian), 0.7f, 0.0f, 0.1f);
    }

    private static float[] gaussian(DoubleSupplier gaussian) {
        float[] embedding = new float[DIMENSION];
        for (int d = 0; d < DIMENSION; d++) {
            embedding[d] = (float) gaussian.getAsDouble();
        }
        return embedding;
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
