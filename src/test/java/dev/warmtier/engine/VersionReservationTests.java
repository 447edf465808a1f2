package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a store reserves versions under its durable ceiling: raised by one block, once per block,
 * whatever the number of writers crossing it; counted on from after a crash, never from below.
 * Small blocks, so the tests cross many.
 */
class VersionReservationTests {

    @TempDir
    Path dir;

    private DamagedFiles damage() {
        return new DamagedFiles(dir, TestStores.DIMENSION);
    }

    private static long put(MemoryStore store, String id) {
        return store.put(id, MemoryWrite.of("content of " + id)).memory().version();
    }

    @Test
    void crossingABlockBoundaryRaisesAndForcesTheCeilingExactlyOnce() {
        long block = 10;
        try (MemoryStore store = TestStores.open(dir, block)) {
            VersionCeiling ceiling = store.versionCeiling();
            assertThat(ceiling.raises()).as("a new store reserves its first block at open").isEqualTo(1);
            assertThat(ceiling.durable()).isEqualTo(block);
            for (int i = 1; i <= 10; i++) {
                assertThat(put(store, "k" + i)).isEqualTo(i);
            }
            assertThat(ceiling.raises()).as("versions 1..10 fit the first block").isEqualTo(1);
            assertThat(put(store, "k11")).isEqualTo(11);
            assertThat(ceiling.raises()).as("version 11 crossed into the second block").isEqualTo(2);
            assertThat(ceiling.durable()).isEqualTo(2 * block);
            for (int i = 12; i <= 20; i++) {
                put(store, "k" + i);
            }
            assertThat(store.delete("k12").version()).as("a delete takes a version too").isEqualTo(21);
            assertThat(ceiling.raises()).isEqualTo(3);
            assertThat(ceiling.durable()).isEqualTo(3 * block);
        }
    }

    /**
     * Writers of distinct ids take their versions in parallel, each in its own id's compute, so
     * several can cross a boundary at once. Each round, every writer writes once while the test
     * holds the ceiling's raise lock: the round's versions fill exactly the next block, so each
     * writer that takes its version is above the ceiling and lines up at the lock (or waits for
     * the compute of its id's map bin, held by one that did). Then the lock is released: exactly
     * one raise must cover the round. Rounds are checked one by one, so an extra raise shows in
     * the round that made it.
     */
    @Test
    void manyWritersCrossingABoundaryTogetherRaiseTheCeilingOnce() throws Exception {
        int writers = 8;
        int rounds = 50;
        long block = writers;
        TreeSet<Long> distinct = new TreeSet<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        List<Integer> linedUp = new ArrayList<>();
        try (MemoryStore store = TestStores.open(dir, block)) {
            VersionCeiling ceiling = store.versionCeiling();
            for (int i = 0; i < block; i++) {
                put(store, "first-block-" + i); // fills the block reserved at open
            }
            long raisesBefore = ceiling.raises();
            Thread[] threads = new Thread[writers];
            AtomicInteger started = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(writers + 1);
            CyclicBarrier end = new CyclicBarrier(writers + 1);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<List<Long>>> results = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    results.add(pool.submit(() -> {
                        threads[writer] = Thread.currentThread();
                        List<Long> mine = new ArrayList<>();
                        for (int round = 0; round < rounds; round++) {
                            start.await(30, TimeUnit.SECONDS);
                            started.incrementAndGet();
                            long version = put(store, "w" + writer + "-" + round);
                            long durable = ceiling.durable();
                            if (version > durable) {
                                problems.add("round " + round + ": writer " + writer + " got version " + version
                                        + " above the ceiling " + durable);
                            }
                            mine.add(version);
                            end.await(30, TimeUnit.SECONDS);
                        }
                        return mine;
                    }));
                }
                for (int round = 0; round < rounds; round++) {
                    int expectedStarted = (round + 1) * writers;
                    ceiling.whileRaisesHeld(() -> {
                        await(start);
                        // Every writer is past the start and parked: lined up at the raise lock, or
                        // blocked on its bin's monitor behind a compute that is.
                        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                                .until(() -> started.get() == expectedStarted
                                        && ceiling.waitingToRaise() + blocked(threads) == writers);
                        linedUp.add(ceiling.waitingToRaise());
                    });
                    await(end);
                    assertThat(problems).as("round %d", round).isEmpty();
                    assertThat(ceiling.raises() - raisesBefore).as("raises after round %d; %d writers were lined up"
                            + " at the lock", round, linedUp.get(round)).isEqualTo(round + 1);
                    assertThat(ceiling.durable()).as("ceiling after round %d", round).isEqualTo((round + 2) * block);
                }
                for (Future<List<Long>> result : results) {
                    distinct.addAll(result.get(30, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            System.out.printf("%d writers x %d rounds, block %d: %d distinct versions %d..%d, ceiling %d,"
                    + " %d raises in the rounds; writers lined up at the raise lock per round: min %d, max %d%n",
                    writers, rounds, block, distinct.size(), distinct.first(), distinct.last(), ceiling.durable(),
                    ceiling.raises() - raisesBefore, Collections.min(linedUp),
                    Collections.max(linedUp));
            assertThat(distinct).as("versions handed out in the rounds").hasSize(writers * rounds);
            assertThat(distinct.first()).isEqualTo(block + 1);
            assertThat(distinct.last()).isEqualTo((rounds + 1) * block);
            assertThat(Collections.max(linedUp)).as("rounds where several writers met at the lock")
                    .isGreaterThan(1);
        }
    }

    private static long blocked(Thread[] threads) {
        return Arrays.stream(threads)
                .filter(t -> t != null && t.getState() == Thread.State.BLOCKED)
                .count();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("a writer never reached the barrier", e);
        }
    }

    @Test
    void aCleanRestartCountsOnFromTheExactLastVersionWithoutARaise() {
        long block = 10;
        long last;
        try (MemoryStore store = TestStores.open(dir, block)) {
            for (int i = 0; i < 15; i++) {
                put(store, "k" + i);
            }
            last = store.version("k14");
        }
        try (MemoryStore store = TestStores.open(dir, block)) {
            assertThat(store.recovery().cleanStart()).isTrue();
            assertThat(store.recovery().lastVersion()).isEqualTo(last);
            assertThat(store.versionCeiling().raises()).as("ceiling %d already leaves room", store.versionCeiling().durable())
                    .isZero();
            assertThat(put(store, "after")).as("no jump after a clean close").isEqualTo(last + 1);
        }
    }

    @Test
    void afterACrashVersionsCountOnFromTheCeilingSkippingLessThanABlock() throws Exception {
        long block = 10;
        long last;
        try (MemoryStore store = TestStores.open(dir, block)) {
            for (int i = 0; i < 15; i++) {
                put(store, "k" + i);
            }
            last = store.version("k14");
        }
        damage().crashed();
        try (MemoryStore store = TestStores.open(dir, block)) {
            RecoveryReport recovery = store.recovery();
            assertThat(recovery.versionCeiling()).as("%s", recovery).isEqualTo(20);
            assertThat(recovery.lastVersion()).as("%s", recovery).isEqualTo(20);
            long next = put(store, "after");
            assertThat(next).as("%s", recovery).isGreaterThan(last).isLessThanOrEqualTo(last + block + 1);
            assertThat(store.versionCeiling().durable()).as("reserved at open").isEqualTo(30);
            assertThat(store.get("k14").orElseThrow().version()).isEqualTo(last);
        }
    }

    @Test
    void aStoreMadeBeforeTheCeilingFileOpensCountingOnFromItsSlotsAndGetsOne() throws Exception {
        long last;
        try (MemoryStore store = TestStores.open(dir, 10)) {
            for (int i = 0; i < 15; i++) {
                put(store, "k" + i);
            }
            last = store.version("k14");
        }
        damage().crashed().deleteVersionCeiling();
        try (MemoryStore store = TestStores.open(dir, 10)) {
            assertThat(store.recovery().versionCeiling()).as("%s", store.recovery()).isZero();
            assertThat(store.recovery().lastVersion()).as("%s", store.recovery()).isEqualTo(last);
            assertThat(Files.exists(dir.resolve(VersionCeiling.FILE_NAME))).isTrue();
            assertThat(put(store, "after")).isEqualTo(last + 1);
        }
        try (FileIo io = new FileIo("test"); VersionCeiling ceiling = VersionCeiling.open(dir, 10, io, Forcer.MSYNC)) {
            assertThat(ceiling.found()).isEqualTo(VersionCeiling.Found.INTACT);
            assertThat(ceiling.foundCeiling()).isEqualTo(20);
        }
    }

    @Test
    void aDamagedCeilingFailsAnOpenThatMustScanAndSaysWhy() throws Exception {
        try (MemoryStore store = TestStores.open(dir, 10)) {
            for (int i = 0; i < 15; i++) {
                put(store, "k" + i);
            }
        }
        damage().crashed();
        garbleBothRecords();
        for (int attempt = 1; attempt <= 2; attempt++) {
            assertThatThrownBy(() -> TestStores.open(dir, 10))
                    .as("attempt %d", attempt)
                    .isInstanceOf(StoreFormatException.class)
                    .hasMessageContaining(VersionCeiling.FILE_NAME)
                    .hasMessageContaining("damaged")
                    .hasMessageContaining("not closed cleanly");
        }
        // The failed opens released everything: deleting the file is the documented way out.
        damage().deleteVersionCeiling();
        try (MemoryStore store = TestStores.open(dir, 10)) {
            assertThat(store.get("k14")).isPresent();
        }
    }

    @Test
    void aDamagedCeilingAfterACleanCloseIsRewrittenFromTheExactLastVersion() throws Exception {
        long last;
        try (MemoryStore store = TestStores.open(dir, 10)) {
            for (int i = 0; i < 15; i++) {
                put(store, "k" + i);
            }
            last = store.version("k14");
        }
        garbleBothRecords();
        try (MemoryStore store = TestStores.open(dir, 10)) {
            RecoveryReport recovery = store.recovery();
            assertThat(recovery.cleanStart()).as("%s", recovery).isTrue();
            assertThat(recovery.versionCeilingRebuilt()).as("%s", recovery).isTrue();
            assertThat(store.versionCeiling().durable()).isEqualTo(20);
            assertThat(put(store, "after")).isEqualTo(last + 1);
        }
        damage().crashed();
        try (MemoryStore store = TestStores.open(dir, 10)) {
            assertThat(store.recovery().versionCeiling()).as("%s", store.recovery()).isEqualTo(20);
            assertThat(put(store, "after a crash")).isGreaterThan(last + 1);
        }
    }

    private void garbleBothRecords() throws Exception {
        for (int index = 0; index < VersionCeilingLayout.RECORDS; index++) {
            damage().flipVersionCeilingByte(VersionCeilingLayout.recordOffset(index) + VersionCeilingLayout.CEILING_OFFSET);
        }
    }
}
