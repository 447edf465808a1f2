package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import kotlin.Unit;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.DSLScenarioBuilder;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Lincheck checks the store's operations for linearizability against plain sequential models,
 * by model checking (thread switches at shared accesses, sequential consistency assumed) and by
 * stress runs on real threads.
 *
 * <p>Lincheck makes one instance of the checked class per invocation. Each instance gets its own
 * store in its own directory, opened in the constructor: the model checker cannot instrument the
 * NIO channel calls of opening and mapping, so no operation may reach them, and the chunks leave
 * room for every write of an invocation so that no operation grows a file (checked after each
 * invocation). Opening an instance closes and deletes the previous one, since Lincheck never
 * tells an instance it is done; invocations run one after another, so the previous one is idle.
 *
 * <p>The checked classes:
 * <ul>
 *   <li>{@link OneKey}: every operation on one id, results carrying raw version numbers, against a
 *       model that keeps the same global version counter. With a single id the global counter is
 *       that id's own, so the model is exact and this is the strongest check: status, content and
 *       version of every result must fit one sequential order.</li>
 *   <li>{@link TwoKeys}: two ids, results carrying statuses and contents only. Versions are left
 *       out on purpose: the counter is shared by all ids but taken inside each id's own atomic
 *       step, so the order of versions across ids need not match real time (shown by
 *       {@link #versionsAcrossIdsAreNotLinearizable()}); the store promises per-id
 *       linearizability only. Conditional writes here read their own expected version (a
 *       compare-and-set on content built from {@code get} and {@code putIfVersion}).</li>
 *   <li>{@link CheckThenActPutIfVersion} and {@link TwoKeysWithRacyAllocator}: deliberately broken
 *       variants that must be caught. A check that cannot fail proves nothing.</li>
 * </ul>
 *
 * <p>Lincheck seeds its scenario generator with a constant, so every run generates the same
 * scenarios and model checking explores them the same way: its passes and catches are
 * reproducible, not luck of the run. Stress runs depend on real thread timing and are not.
 */
@Tag("integration")
// Lincheck's agent re-instruments every class already loaded: next to Spring's that takes minutes, alone
// seconds. Failsafe runs the lincheck tag in a JVM of its own (pom.xml).
@Tag("lincheck")
@Isolated("Lincheck instruments and schedules the whole JVM; it must not share it with other tests")
class MemoryStoreLincheckTests {

    static {
        // Lincheck warns about every record field it cannot take an offset of; keep errors only.
        if (System.getProperty("lincheck.logLevel") == null) {
            System.setProperty("lincheck.logLevel", "ERROR");
        }
    }

    // ---- the checks --------------------------------------------------------------------------

    @Test
    void oneKeyIsLinearizableUnderModelChecking() {
        modelChecking(OneKeySpec.class).check(OneKey.class);
    }

    @Test
    void oneKeyIsLinearizableUnderStress() {
        stress(OneKeySpec.class).check(OneKey.class);
    }

    @Test
    void twoKeysAreLinearizableUnderModelChecking() {
        modelChecking(TwoKeysSpec.class).check(TwoKeys.class);
    }

    @Test
    void twoKeysAreLinearizableUnderStress() {
        stress(TwoKeysSpec.class).check(TwoKeys.class);
    }

    /**
     * The proof that {@link #oneKeyIsLinearizableUnderModelChecking()} can fail, with the very
     * same options and generated scenarios: only the checked class differs, its conditional put
     * being a version check followed by a separate put. If a change to the operations or
     * generators makes this miss, the generated scenarios have lost their teeth: raise the
     * iterations rather than delete this test.
     */
    @Test
    void checkThenActConditionalPutIsCaughtByTheSameModelCheck() {
        // Only the report differs: no minimization of the failing scenario, to save time.
        ModelCheckingOptions options = modelChecking(OneKeySpec.class).minimizeFailedScenario(false);
        assertCaught(() -> options.check(CheckThenActPutIfVersion.class));
    }

    /**
     * The same broken conditional put in one fixed minimal scenario, independent of scenario
     * generation. After {@code put -> v1}, one thread runs {@code putIfVersion(1, ...)} while
     * the other puts; the model checker finds the switch between check and act, where both
     * writes succeed, which no sequential order allows.
     */
    @Test
    void checkThenActConditionalPutIsCaught() {
        ModelCheckingOptions options = failureHunt(OneKeySpec.class, scenario(
                List.of(actor(CheckThenActPutIfVersion.class, "put", 0)),
                List.of(actor(CheckThenActPutIfVersion.class, "putIfVersion", 1, 1)),
                List.of(actor(CheckThenActPutIfVersion.class, "put", 2)),
                List.of(actor(CheckThenActPutIfVersion.class, "get"))));
        assertCaught(() -> options.check(CheckThenActPutIfVersion.class));
    }

    /**
     * The race this project was born from: a slot allocator that reads the counter and increments
     * it in a separate step. Two writers of different ids get one slot and overwrite each other.
     */
    @Test
    void readThenIncrementAllocatorIsCaught() {
        ModelCheckingOptions options = failureHunt(TwoKeysSpec.class, scenario(
                List.of(),
                List.of(actor(TwoKeysWithRacyAllocator.class, "put", 0, 0)),
                List.of(actor(TwoKeysWithRacyAllocator.class, "put", 1, 1)),
                List.of(actor(TwoKeysWithRacyAllocator.class, "get", 0),
                        actor(TwoKeysWithRacyAllocator.class, "get", 1))));
        assertCaughtOrInvalid(() -> options.check(TwoKeysWithRacyAllocator.class));
    }

    /**
     * Why {@link TwoKeys} leaves versions out of its results. The version counter is global but
     * taken inside each id's own atomic step, so while one write of "a" holds version 1 and has
     * not yet installed it, a write of "b" can take version 2 and complete, and a read of "a"
     * after it still finds "a" absent. Per id, versions are exactly ordered ({@link OneKey});
     * across ids they are not a real-time order, and a model that mirrors the global counter
     * over two ids must be refuted.
     */
    @Test
    void versionsAcrossIdsAreNotLinearizable() {
        ModelCheckingOptions options = failureHunt(VersionedTwoKeysSpec.class, scenario(
                List.of(),
                List.of(actor(VersionedTwoKeys.class, "put", 0, 0)),
                List.of(actor(VersionedTwoKeys.class, "put", 1, 1), actor(VersionedTwoKeys.class, "get", 0)),
                List.of()));
        assertCaught(() -> options.check(VersionedTwoKeys.class));
    }

    /**
     * Compaction beside every operation on one id, on real threads: the copy, the catch-up and the
     * switch must change no result, versions included. Stress only: a compaction creates and maps
     * files, which the model checker cannot instrument.
     */
    @Test
    void oneKeyIsLinearizableWhileCompactionsRunUnderStress() {
        stress(OneKeyCompactingSpec.class).check(OneKeyCompacting.class);
    }

    /** The same over two ids, with the compare-and-set operations of {@link TwoKeys}. */
    @Test
    void twoKeysAreLinearizableWhileCompactionsRunUnderStress() {
        stress(TwoKeysCompactingSpec.class).check(TwoKeysCompacting.class);
    }

    @AfterEach
    void closeLastStore() {
        Fixture.retireCurrent();
    }

    @AfterAll
    static void removeStoreRoot() {
        Fixture.deleteTree(Fixture.ROOT);
    }

    private static ModelCheckingOptions modelChecking(Class<?> spec) {
        return withSwitchPoints(new ModelCheckingOptions())
                .iterations(8)
                .invocationsPerIteration(50)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .sequentialSpecification(spec);
    }

    private static StressOptions stress(Class<?> spec) {
        return new StressOptions()
                .iterations(6)
                .invocationsPerIteration(50)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .sequentialSpecification(spec);
    }

    /** Model checking of one fixed scenario only, which stops at the first failure it finds. */
    private static ModelCheckingOptions failureHunt(Class<?> spec, ExecutionScenario scenario) {
        return withSwitchPoints(new ModelCheckingOptions())
                .iterations(0)
                .addCustomScenario(scenario)
                .minimizeFailedScenario(false)
                .invocationsPerIteration(5_000)
                .sequentialSpecification(spec);
    }

    /**
     * Where the model checker may switch threads.
     * <ul>
     *   <li>The layouts publish state words through {@code byteBufferViewVarHandle}, which Lincheck
     *       3.7's model checker rejects ("Unsupported VarHandle type ... ByteBufferHandle",
     *       reported as a bug in Lincheck). Each layout method is a few accesses to one slot or
     *       record in mapped memory, so it runs as one atomic step.</li>
     *   <li>Id and content validation (pure), the chunk mappings and the slot file (which never
     *       grow here) and the in-flight counter ({@code LongAdder}, read only by close) run as
     *       atomic steps too. Fewer irrelevant switch points leave the modest budget to the ones
     *       that matter: the index compute, the allocator, the content log's tail lock and the
     *       version counter.</li>
     *   <li>The invariant checker, run after each invocation with no operation in flight, is not
     *       analyzed at all; analyzing its full scan nearly doubled the run time.</li>
     * </ul>
     */
    private static ModelCheckingOptions withSwitchPoints(ModelCheckingOptions options) {
        return options
                .addGuarantee(forClasses(SlotLayout.class.getName(), ContentRecordLayout.class.getName())
                        .allMethods().treatAsAtomic())
                .addGuarantee(forClasses(MemoryRules.class.getName(), MappedChunks.class.getName(),
                        SlotFile.class.getName(), LongAdder.class.getName(), "java.util.concurrent.atomic.Striped64")
                        .allMethods().treatAsAtomic())
                .addGuarantee(forClasses(InvariantChecker.class.getName()).allMethods().ignore());
    }

    /** Lincheck must refute the results themselves: not a crash of Lincheck, not a timeout. */
    private static void assertCaught(Executable check) {
        LincheckAssertionError error = assertThrows(LincheckAssertionError.class, check);
        assertThat(error.getMessage()).contains("Invalid execution results").doesNotContain("bug in Lincheck");
    }

    /**
     * As {@link #assertCaught}, but the store's own invariant checker, run by Lincheck after every
     * invocation, may be the one to notice (two live ids in one slot) before the results do.
     */
    private static void assertCaughtOrInvalid(Executable check) {
        LincheckAssertionError error = assertThrows(LincheckAssertionError.class, check);
        assertThat(error.getMessage()).containsAnyOf("Invalid execution results",
                "Validation function invariantsHold has failed").doesNotContain("bug in Lincheck");
    }

    private static Actor actor(Class<?> type, String operation, Object... args) {
        Method method = Arrays.stream(type.getMethods())
                .filter(m -> m.getName().equals(operation) && m.getParameterCount() == args.length)
                .findFirst().orElseThrow(() -> new IllegalArgumentException(type + " has no " + operation));
        return new Actor(method, List.of(args));
    }

    private static ExecutionScenario scenario(List<Actor> initial, List<Actor> thread1, List<Actor> thread2,
                                              List<Actor> post) {
        DSLScenarioBuilder builder = new DSLScenarioBuilder();
        builder.initial(t -> {
            t.addAll(initial);
            return Unit.INSTANCE;
        });
        builder.parallel(p -> {
            p.thread(t -> {
                t.addAll(thread1);
                return Unit.INSTANCE;
            });
            p.thread(t -> {
                t.addAll(thread2);
                return Unit.INSTANCE;
            });
            return Unit.INSTANCE;
        });
        builder.post(t -> {
            t.addAll(post);
            return Unit.INSTANCE;
        });
        return builder.buildScenario();
    }

    // ---- one store per Lincheck instance -----------------------------------------------------

    /** Opens a fresh store per instance and retires the one before it. */
    static final class Fixture {

        static final Path ROOT = makeRoot();
        private static MemoryStore current;

        /**
         * Room for every write of one invocation (at most a dozen or so, counting retries) and the
         * room each write leaves for deletes ({@code SlotAppender.DELETE_HEADROOM}: 16 slots, 16
         * tombstone records), so no operation ever grows a file: growth would hand I/O to the
         * store's I/O thread, outside the model checker's control. Small, because the model
         * checker also analyzes the open (which maps and zeroes the first chunks) in each
         * instance's constructor.
         */
        static final int SLOTS_PER_CHUNK = 32;
        static final int CONTENT_CHUNK_BYTES = 8192;

        private Fixture() {
        }

        static StoreOptions options() {
            return StoreOptions.defaults()
                    .withEmbeddingDimension(4)
                    .withDurability(Durability.NONE, Duration.ofMillis(100))
                    .withMaxContentBytes(64)
                    .withChunks(SLOTS_PER_CHUNK, CONTENT_CHUNK_BYTES)
                    .withGrowAhead(false);
        }

        static MemoryStore open() {
            return open(options());
        }

        static synchronized MemoryStore open(StoreOptions options) {
            retireCurrent();
            try {
                current = MemoryStore.open(Files.createTempDirectory(ROOT, "store-"), options);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return current;
        }

        static synchronized void retireCurrent() {
            MemoryStore store = current;
            current = null;
            if (store != null) {
                store.close();
                deleteTree(store.directory());
            }
        }

        /** No invariant violation, and no file grew (growth would map a chunk inside an operation). */
        static void validate(MemoryStore store) {
            InvariantReport report = store.check();
            if (report.violations() != 0) {
                throw new IllegalStateException("invariant violations: " + report);
            }
            StoreStats stats = store.stats();
            if (stats.slotCapacity() != SLOTS_PER_CHUNK || stats.contentBytes() > CONTENT_CHUNK_BYTES) {
                throw new IllegalStateException("a file grew during the invocation; raise the chunk sizes: " + stats);
            }
        }

        private static Path makeRoot() {
            try {
                Path shm = Path.of("/dev/shm");
                // tmpfs when there is one: thousands of tiny stores are opened per check.
                return Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempDirectory(shm, "warmtier-lincheck-")
                        : Files.createTempDirectory("warmtier-lincheck-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static void deleteTree(Path dir) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // A leftover temp directory is harmless.
            }
        }
    }

    // ---- one id, exact versions --------------------------------------------------------------

    private static final String[] CONTENTS = {"x", "y", "z"};

    static String putResult(PutResult r) {
        return r.status() == PutResult.Status.PRECONDITION_FAILED
                ? "PRECONDITION_FAILED@" + r.currentVersion()
                : r.status() + "@" + r.memory().version();
    }

    static String deleteResult(DeleteResult r) {
        return r.status() + "@" + r.version();
    }

    /**
     * Every operation on the single id {@code "k"}. Expected versions come from a small range, so
     * conditional operations both succeed and fail.
     */
    @Param(name = "content", gen = IntGen.class, conf = "0:2")
    @Param(name = "version", gen = IntGen.class, conf = "1:3")
    public static class OneKey {

        static final String ID = "k";
        protected final MemoryStore store = Fixture.open();

        public OneKey() {
        }

        @Operation
        public String put(@Param(name = "content") int content) {
            return putResult(store.put(ID, MemoryWrite.of(CONTENTS[content])));
        }

        @Operation
        public String putIfAbsent(@Param(name = "content") int content) {
            return putResult(store.putIfAbsent(ID, MemoryWrite.of(CONTENTS[content])));
        }

        @Operation
        public String putIfVersion(@Param(name = "version") int expected, @Param(name = "content") int content) {
            return putResult(store.putIfVersion(ID, expected, MemoryWrite.of(CONTENTS[content])));
        }

        @Operation
        public String delete() {
            return deleteResult(store.delete(ID));
        }

        @Operation
        public String deleteIfVersion(@Param(name = "version") int expected) {
            return deleteResult(store.deleteIfVersion(ID, expected));
        }

        @Operation
        public String get() {
            return store.get(ID).map(m -> m.content() + "@" + m.version()).orElse("absent");
        }

        @Operation
        public long version() {
            return store.version(ID);
        }

        /** After every invocation: the store's own invariant checker must find nothing. */
        @Validate
        public void invariantsHold() {
            Fixture.validate(store);
        }
    }

    /** The sequential model of {@link OneKey}: one optional value and the store's version counter. */
    public static class OneKeySpec {

        private long lastVersion;
        private String content;
        private long liveVersion;

        public OneKeySpec() {
        }

        private String store(String value, String status) {
            content = value;
            liveVersion = ++lastVersion;
            return status + "@" + liveVersion;
        }

        public String put(int c) {
            return store(CONTENTS[c], content == null ? "CREATED" : "REPLACED");
        }

        public String putIfAbsent(int c) {
            return content == null ? store(CONTENTS[c], "CREATED") : "PRECONDITION_FAILED@" + liveVersion;
        }

        public String putIfVersion(int expected, int c) {
            return content != null && liveVersion == expected
                    ? store(CONTENTS[c], "REPLACED")
                    : "PRECONDITION_FAILED@" + liveVersion;
        }

        public String delete() {
            if (content == null) {
                return "NOT_FOUND@0";
            }
            content = null;
            liveVersion = 0;
            return "DELETED@" + ++lastVersion;
        }

        public String deleteIfVersion(int expected) {
            if (content == null) {
                return "NOT_FOUND@0";
            }
            return liveVersion == expected ? delete() : "PRECONDITION_FAILED@" + liveVersion;
        }

        public String get() {
            return content == null ? "absent" : content + "@" + liveVersion;
        }

        public long version() {
            return liveVersion;
        }
    }

    // ---- two ids, statuses and contents ------------------------------------------------------

    private static final String[] IDS = {"a", "b"};

    /**
     * Two ids, so that writes of different ids run in parallel and must not disturb each other.
     * Conditional writes read the version they expect themselves and retry only when another
     * write got in between, which makes them compare-and-set on content.
     */
    @Param(name = "key", gen = IntGen.class, conf = "0:1")
    @Param(name = "content", gen = IntGen.class, conf = "0:2")
    public static class TwoKeys {

        protected final MemoryStore store;

        public TwoKeys() {
            this(Fixture.options());
        }

        protected TwoKeys(StoreOptions options) {
            store = Fixture.open(options);
        }

        @Operation
        public String put(@Param(name = "key") int key, @Param(name = "content") int content) {
            return store.put(IDS[key], MemoryWrite.of(CONTENTS[content])).status().name();
        }

        @Operation
        public String putIfAbsent(@Param(name = "key") int key, @Param(name = "content") int content) {
            return store.putIfAbsent(IDS[key], MemoryWrite.of(CONTENTS[content])).status().name();
        }

        @Operation
        public String delete(@Param(name = "key") int key) {
            return store.delete(IDS[key]).status().name();
        }

        @Operation
        public String get(@Param(name = "key") int key) {
            return store.get(IDS[key]).map(StoredMemory::content).orElse("absent");
        }

        /** Replaces {@code expected} by {@code replacement}: "ok", or "mismatch" with what was there. */
        @Operation
        public String compareAndSet(@Param(name = "key") int key, @Param(name = "content") int expected,
                                    @Param(name = "content") int replacement) {
            String id = IDS[key];
            while (true) {
                StoredMemory seen = store.get(id).orElse(null);
                if (seen == null || !seen.content().equals(CONTENTS[expected])) {
                    return "mismatch:" + (seen == null ? "absent" : seen.content());
                }
                PutResult result = store.putIfVersion(id, seen.version(), MemoryWrite.of(CONTENTS[replacement]));
                if (result.status() == PutResult.Status.REPLACED) {
                    return "ok";
                }
                // Another write came between our read and our put: read again.
            }
        }

        /** Deletes only if the content is {@code expected}: "ok", or "mismatch" with what was there. */
        @Operation
        public String compareAndDelete(@Param(name = "key") int key, @Param(name = "content") int expected) {
            String id = IDS[key];
            while (true) {
                StoredMemory seen = store.get(id).orElse(null);
                if (seen == null || !seen.content().equals(CONTENTS[expected])) {
                    return "mismatch:" + (seen == null ? "absent" : seen.content());
                }
                if (store.deleteIfVersion(id, seen.version()).status() == DeleteResult.Status.DELETED) {
                    return "ok";
                }
            }
        }

        @Validate
        public void invariantsHold() {
            Fixture.validate(store);
        }
    }

    /** The sequential model of {@link TwoKeys}: a HashMap from id to content. */
    public static class TwoKeysSpec {

        private final Map<String, String> map = new HashMap<>();

        public TwoKeysSpec() {
        }

        public String put(int key, int content) {
            return map.put(IDS[key], CONTENTS[content]) == null ? "CREATED" : "REPLACED";
        }

        public String putIfAbsent(int key, int content) {
            return map.putIfAbsent(IDS[key], CONTENTS[content]) == null ? "CREATED" : "PRECONDITION_FAILED";
        }

        public String delete(int key) {
            return map.remove(IDS[key]) == null ? "NOT_FOUND" : "DELETED";
        }

        public String get(int key) {
            return map.getOrDefault(IDS[key], "absent");
        }

        public String compareAndSet(int key, int expected, int replacement) {
            String seen = map.get(IDS[key]);
            if (!CONTENTS[expected].equals(seen)) {
                return "mismatch:" + (seen == null ? "absent" : seen);
            }
            map.put(IDS[key], CONTENTS[replacement]);
            return "ok";
        }

        public String compareAndDelete(int key, int expected) {
            String seen = map.get(IDS[key]);
            if (!CONTENTS[expected].equals(seen)) {
                return "mismatch:" + (seen == null ? "absent" : seen);
            }
            map.remove(IDS[key]);
            return "ok";
        }
    }

    // ---- deliberately broken variants --------------------------------------------------------

    /**
     * {@link OneKey} with the race this kind of API invites: the conditional put reads the live
     * version and then writes unconditionally, two engine calls with a window between them. A
     * concurrent write in that window is overwritten although the precondition no longer held.
     */
    public static class CheckThenActPutIfVersion extends OneKey {

        public CheckThenActPutIfVersion() {
        }

        @Override
        @Operation
        public String putIfVersion(@Param(name = "version") int expected, @Param(name = "content") int content) {
            long live = store.version(ID);
            if (live == 0 || live != expected) {
                return "PRECONDITION_FAILED@" + live;
            }
            return putResult(store.put(ID, MemoryWrite.of(CONTENTS[content])));
        }
    }

    /** {@link TwoKeys} on a store whose slot allocator has the read-use-increment slot race. */
    public static class TwoKeysWithRacyAllocator extends TwoKeys {

        public TwoKeysWithRacyAllocator() {
            super(Fixture.options().withAllocator(ReadThenIncrementAllocator::new));
        }
    }

    /** Reads the counter and writes it back incremented in a second step: two claimers can get one slot. */
    static final class ReadThenIncrementAllocator implements SlotAllocator {

        private final AtomicLong next;

        ReadThenIncrementAllocator(long firstFree) {
            this.next = new AtomicLong(firstFree);
        }

        @Override
        public long claim(long limit) {
            long slot = next.get();
            if (slot >= limit) {
                return -1;
            }
            next.set(slot + 1);
            return slot;
        }

        @Override
        public long next() {
            return next.get();
        }
    }

    // ---- two ids with raw versions: refuted, by design ---------------------------------------

    /** Two ids with results carrying raw versions; see {@link #versionsAcrossIdsAreNotLinearizable()}. */
    @Param(name = "key", gen = IntGen.class, conf = "0:1")
    @Param(name = "content", gen = IntGen.class, conf = "0:2")
    public static class VersionedTwoKeys {

        private final MemoryStore store = Fixture.open();

        public VersionedTwoKeys() {
        }

        @Operation
        public String put(@Param(name = "key") int key, @Param(name = "content") int content) {
            return putResult(store.put(IDS[key], MemoryWrite.of(CONTENTS[content])));
        }

        @Operation
        public String get(@Param(name = "key") int key) {
            return store.get(IDS[key]).map(m -> m.content() + "@" + m.version()).orElse("absent");
        }
    }

    /** A model with one global version counter over two ids, as if versions were a real-time order. */
    public static class VersionedTwoKeysSpec {

        private final Map<String, String> map = new HashMap<>();
        private long lastVersion;

        public VersionedTwoKeysSpec() {
        }

        public String put(int key, int content) {
            long version = ++lastVersion;
            String previous = map.put(IDS[key], CONTENTS[content] + "@" + version);
            return (previous == null ? "CREATED" : "REPLACED") + "@" + version;
        }

        public String get(int key) {
            return map.getOrDefault(IDS[key], "absent");
        }
    }

    // ---- compaction beside the operations ----------------------------------------------------

    /** Compacts the store; a compaction another thread runs at the same moment counts as this one. */
    static String compact(MemoryStore store) {
        try {
            store.compact();
        } catch (CompactionRunningException e) {
            // The other thread's compaction is the one this call asked for.
        }
        return "compacted";
    }

    /** {@link OneKey} with a compaction as one more operation. */
    public static class OneKeyCompacting extends OneKey {

        public OneKeyCompacting() {
        }

        @Operation
        public String compact() {
            return MemoryStoreLincheckTests.compact(store);
        }
    }

    /** A compaction changes nothing a client can see: versions included. */
    public static class OneKeyCompactingSpec extends OneKeySpec {

        public OneKeyCompactingSpec() {
        }

        public String compact() {
            return "compacted";
        }
    }

    /** {@link TwoKeys} with a compaction as one more operation. */
    public static class TwoKeysCompacting extends TwoKeys {

        public TwoKeysCompacting() {
        }

        @Operation
        public String compact() {
            return MemoryStoreLincheckTests.compact(store);
        }
    }

    public static class TwoKeysCompactingSpec extends TwoKeysSpec {

        public TwoKeysCompactingSpec() {
        }

        public String compact() {
            return "compacted";
        }
    }
}
