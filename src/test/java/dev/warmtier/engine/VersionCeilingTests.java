package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code version-ceiling} file on its own: what it reads back after raises, after a torn or
 * garbled record, and when nothing in it is whole.
 */
class VersionCeilingTests {

    private static final long BLOCK = 10;

    /** The I/O thread the ceilings of these tests raise on, as a store's do. */
    private static final FileIo IO = new FileIo("version-ceiling-test");

    @AfterAll
    static void stopIo() {
        IO.close();
    }

    @TempDir
    Path dir;

    private DamagedFiles damage() {
        return new DamagedFiles(dir, TestStores.DIMENSION);
    }

    /** Record {@code index} as it is in the file now. */
    private ByteBuffer record(int index) throws Exception {
        return ByteBuffer.wrap(damage().readVersionCeilingBytes(VersionCeilingLayout.recordOffset(index),
                VersionCeilingLayout.RECORD_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private String describe(int index) throws Exception {
        ByteBuffer record = record(index);
        return (index == 0 ? "A" : "B") + "{whole=" + VersionCeilingLayout.isWhole(record) + ", sequence="
                + VersionCeilingLayout.sequence(record) + ", ceiling=" + VersionCeilingLayout.ceiling(record) + "}";
    }

    @Test
    void aNewFileHoldsCeilingZeroInBothRecordsAndARaiseReadsBack() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.found()).isEqualTo(VersionCeiling.Found.NONE);
            assertThat(ceiling.durable()).isZero();
            assertThat(Files.size(dir.resolve(VersionCeiling.FILE_NAME))).isEqualTo(VersionCeilingLayout.FILE_BYTES);
            assertThat(VersionCeilingLayout.isWhole(record(0))).as(describe(0)).isTrue();
            assertThat(VersionCeilingLayout.isWhole(record(1))).as(describe(1)).isTrue();
            ceiling.cover(1);
            assertThat(ceiling.durable()).isEqualTo(BLOCK);
            assertThat(ceiling.raises()).isEqualTo(1);
        }
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.found()).isEqualTo(VersionCeiling.Found.INTACT);
            assertThat(ceiling.foundCeiling()).as("%s %s", describe(0), describe(1)).isEqualTo(BLOCK);
            assertThat(ceiling.durable()).isEqualTo(BLOCK);
            assertThat(ceiling.raises()).as("opening writes nothing").isZero();
        }
        assertThat(Files.exists(dir.resolve(VersionCeiling.FILE_NAME + ".tmp"))).isFalse();
    }

    @Test
    void aBlockOfOneRaisesToEachVersionExactlyAndABlockBelowOneIsRefused() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, 1, IO, Forcer.MSYNC)) {
            ceiling.cover(1);
            assertThat(ceiling.durable()).isEqualTo(1);
            ceiling.cover(1);
            assertThat(ceiling.raises()).as("a covered version writes nothing").isEqualTo(1);
            ceiling.cover(3);
            assertThat(ceiling.durable()).as("no block skipped past the version").isEqualTo(3);
            assertThat(ceiling.raises()).isEqualTo(2);
        }
        assertThatThrownBy(() -> VersionCeiling.open(dir, 0, IO, Forcer.MSYNC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was 0");
    }

    @Test
    void coveredVersionsWriteNothingAndARaiseGoesUpByWholeBlocks() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            ceiling.cover(0);
            assertThat(ceiling.raises()).as("version 0 is under ceiling 0").isZero();
            ceiling.cover(10);
            ceiling.cover(3);
            assertThat(ceiling.durable()).isEqualTo(10);
            assertThat(ceiling.raises()).isEqualTo(1);
            ceiling.cover(11);
            assertThat(ceiling.durable()).isEqualTo(20);
            ceiling.cover(45);
            assertThat(ceiling.durable()).as("a version past several blocks takes one raise to the block holding it")
                    .isEqualTo(50);
            assertThat(ceiling.raises()).isEqualTo(3);
        }
    }

    @Test
    void raisesAlternateBetweenTheTwoRecordsWithRisingSequences() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            // New file: A = {1, 0}, B = {0, 0}; A is the newer, so the first raise goes to B
            // ({2, 10}), the second to A ({3, 20}), the third to B ({4, 30}).
            for (int raise = 1; raise <= 3; raise++) {
                ceiling.cover(raise * BLOCK);
                int written = raise % 2 == 1 ? 1 : 0;
                ByteBuffer newer = record(written);
                ByteBuffer older = record(1 - written);
                String state = "after raise " + raise + ": " + describe(0) + " " + describe(1);
                assertThat(VersionCeilingLayout.isWhole(newer)).as(state).isTrue();
                assertThat(VersionCeilingLayout.isWhole(older)).as(state).isTrue();
                assertThat(VersionCeilingLayout.sequence(newer)).as(state).isEqualTo(raise + 1);
                assertThat(VersionCeilingLayout.ceiling(newer)).as(state).isEqualTo(raise * BLOCK);
                assertThat(VersionCeilingLayout.sequence(older)).as(state).isEqualTo(raise);
                assertThat(VersionCeilingLayout.ceiling(older)).as(state).isEqualTo((raise - 1) * BLOCK);
            }
        }
    }

    /**
     * Writers of different ids take versions in parallel and cover them inside their computes.
     * Here, each round, every writer covers its own version of the next block while the test holds
     * the raise lock, so that all of them are past the lock-free check and lined up at the lock
     * when it is released: exactly one may raise, the others must find their version covered, and
     * none may return before it is. Rounds are checked one by one, so an extra raise shows in the
     * round that made it and is not absorbed by the next.
     */
    @Test
    void writersLinedUpAtABoundaryRaiseItExactlyOnceAndNoneReturnsUncovered() throws Exception {
        int writers = 8;
        int rounds = 20;
        long block = writers;
        List<String> problems = new CopyOnWriteArrayList<>();
        try (VersionCeiling ceiling = VersionCeiling.open(dir, block, IO, Forcer.MSYNC)) {
            CyclicBarrier start = new CyclicBarrier(writers + 1);
            CyclicBarrier end = new CyclicBarrier(writers + 1);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<?>> results = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    long offset = w + 1;
                    results.add(pool.submit(() -> {
                        for (int round = 0; round < rounds; round++) {
                            start.await(30, TimeUnit.SECONDS);
                            long version = round * block + offset;
                            ceiling.cover(version);
                            long durable = ceiling.durable();
                            if (durable < version) {
                                problems.add("round " + round + ": version " + version + " returned uncovered,"
                                        + " ceiling " + durable);
                            }
                            end.await(30, TimeUnit.SECONDS);
                        }
                        return null;
                    }));
                }
                for (int round = 0; round < rounds; round++) {
                    ceiling.whileRaisesHeld(() -> {
                        await(start);
                        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                                .until(() -> ceiling.waitingToRaise() == writers);
                    });
                    await(end);
                    assertThat(problems).as("round %d", round).isEmpty();
                    assertThat(ceiling.raises()).as("raises after round %d, all %d writers lined up", round, writers)
                            .isEqualTo(round + 1);
                    assertThat(ceiling.durable()).as("ceiling after round %d", round).isEqualTo((round + 1) * block);
                }
                for (Future<?> result : results) {
                    result.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            System.out.printf("%d writers lined up at each of %d boundaries (block %d): %d raises, ceiling %d%n",
                    writers, rounds, block, ceiling.raises(), ceiling.durable());
        }
        try (VersionCeiling ceiling = VersionCeiling.open(dir, block, IO, Forcer.MSYNC)) {
            assertThat(ceiling.foundCeiling()).as("%s %s", describe(0), describe(1)).isEqualTo(rounds * block);
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("a writer never reached the barrier", e);
        }
    }

    @Test
    void aGarbledNewerRecordFallsBackToTheOlderOne() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            ceiling.cover(BLOCK); // B = {2, 10}
            ceiling.cover(2 * BLOCK); // A = {3, 20}
        }
        // A bad disk flips a bit of A's ceiling: its checksum no longer holds.
        damage().flipVersionCeilingByte(VersionCeilingLayout.recordOffset(0) + VersionCeilingLayout.CEILING_OFFSET);
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.found()).as("%s %s", describe(0), describe(1)).isEqualTo(VersionCeiling.Found.INTACT);
            assertThat(ceiling.foundCeiling()).as("B, the older whole record").isEqualTo(BLOCK);
        }
    }

    @Test
    void aRaiseTornByACrashLeavesThePreviousCeilingAndTheNextRaiseOverwritesTheTornRecord() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            ceiling.cover(BLOCK); // B = {2, 10}
            ceiling.cover(2 * BLOCK); // A = {3, 20}
        }
        // The next raise would write B = {4, 30}; the crash kept only its first 20 bytes.
        byte[] whole = VersionCeilingLayout.encode(4, 3 * BLOCK).array();
        damage().writeVersionCeilingBytes(VersionCeilingLayout.recordOffset(1), Arrays.copyOf(whole, 20));
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(VersionCeilingLayout.isWhole(record(1))).as(describe(1)).isFalse();
            assertThat(ceiling.foundCeiling()).as("A, the raise before the torn one: %s", describe(0))
                    .isEqualTo(2 * BLOCK);
            ceiling.cover(2 * BLOCK + 1);
            // The raise must go to the torn record, never over A, the only whole one.
            assertThat(VersionCeilingLayout.sequence(record(1))).as(describe(1)).isEqualTo(4);
            assertThat(VersionCeilingLayout.ceiling(record(1))).as(describe(1)).isEqualTo(3 * BLOCK);
            assertThat(VersionCeilingLayout.ceiling(record(0))).as(describe(0)).isEqualTo(2 * BLOCK);
        }
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.foundCeiling()).isEqualTo(3 * BLOCK);
        }
    }

    @Test
    void aFileCutShortKeepsTheWholeRecordBeforeTheCut() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            ceiling.cover(BLOCK); // B = {2, 10}
            ceiling.cover(2 * BLOCK); // A = {3, 20}
        }
        try (var channel = FileChannel.open(dir.resolve(VersionCeiling.FILE_NAME),
                StandardOpenOption.WRITE)) {
            channel.truncate(VersionCeilingLayout.recordOffset(1) + 7);
        }
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.found()).isEqualTo(VersionCeiling.Found.INTACT);
            assertThat(ceiling.foundCeiling()).isEqualTo(2 * BLOCK);
        }
    }

    @Test
    void bothRecordsGarbledReadAsDamagedNeverAsALowerCeiling() throws Exception {
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            ceiling.cover(5 * BLOCK);
            ceiling.cover(9 * BLOCK);
        }
        damage().flipVersionCeilingByte(VersionCeilingLayout.recordOffset(0) + VersionCeilingLayout.SEQUENCE_OFFSET);
        damage().flipVersionCeilingByte(VersionCeilingLayout.recordOffset(1) + VersionCeilingLayout.CEILING_OFFSET + 3);
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.found()).as("%s %s", describe(0), describe(1)).isEqualTo(VersionCeiling.Found.DAMAGED);
            assertThat(ceiling.foundCeiling()).isZero();
            // A raise from here (allowed only when the caller knows the exact last version) makes it whole again.
            ceiling.cover(9 * BLOCK + 1);
        }
        try (VersionCeiling ceiling = VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC)) {
            assertThat(ceiling.found()).as("%s %s", describe(0), describe(1)).isEqualTo(VersionCeiling.Found.INTACT);
            assertThat(ceiling.foundCeiling()).isEqualTo(10 * BLOCK);
        }
    }

    @Test
    void aWholeRecordOfAnotherFormatFailsTheOpenClearly() throws Exception {
        VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC).close();
        ByteBuffer future = VersionCeilingLayout.encode(7, 70);
        future.putInt(VersionCeilingLayout.FORMAT_OFFSET, 2);
        future.putInt(VersionCeilingLayout.CRC_OFFSET, VersionCeilingLayout.checksum(future));
        damage().writeVersionCeilingBytes(VersionCeilingLayout.recordOffset(0), future.array());
        assertThatThrownBy(() -> VersionCeiling.open(dir, BLOCK, IO, Forcer.MSYNC))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining(VersionCeiling.FILE_NAME)
                .hasMessageContaining("format version 2");
    }
}
