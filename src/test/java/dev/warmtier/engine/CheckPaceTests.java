package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background check's pacing: a duty cycle that parks in proportion to the work done, and a
 * checker that pauses between batches (so its cost on a large space is spread out) and reports
 * exactly what an unpaced check reports.
 */
class CheckPaceTests {

    @Test
    void aShareParksForTheBusyTimeTimesTheRestRatio() {
        AtomicLong now = new AtomicLong(1_000);
        List<Long> parks = new ArrayList<>();
        CheckPace pace = new CheckPace.Share(0.1, now::get, nanos -> {
            parks.add(nanos);
            now.addAndGet(nanos);
        });

        now.addAndGet(10_000_000); // 10 ms of work
        pace.pause();
        now.addAndGet(2_000_000); // 2 ms more, counted from the end of the park
        pace.pause();

        assertThat(parks).containsExactly(90_000_000L, 18_000_000L);
    }

    @Test
    void aWholeCoreNeverParks() {
        AtomicLong now = new AtomicLong();
        List<Long> parks = new ArrayList<>();
        CheckPace pace = new CheckPace.Share(1.0, now::get, parks::add);
        now.addAndGet(5_000_000);
        pace.pause();
        assertThat(parks).isEmpty();
    }

    @Test
    void anInterruptedPauseCancelsTheCheck() {
        CheckPace pace = new CheckPace.Share(0.5, System::nanoTime, nanos -> { });
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(pace::pause).isInstanceOf(CancellationException.class);
        } finally {
            Thread.interrupted(); // leave the test thread clean
        }
    }

    @Test
    void aShareOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> CheckPace.cpuShare(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CheckPace.cpuShare(1.01)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CheckPace.cpuShare(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPacedCheckPausesBetweenBatchesAndReportsWhatAnUnpacedOneDoes(@TempDir Path dir) {
        try (MemoryStore store = TestStores.open(dir)) {
            int memories = 5 * CheckPace.BATCH;
            for (int i = 0; i < memories; i++) {
                store.put("k" + (i % 3000), TestStores.write("value " + i, i)); // replaced versions too
            }
            AtomicInteger pauses = new AtomicInteger();

            InvariantReport paced = store.check(pauses::incrementAndGet);
            InvariantReport unpaced = store.check();

            // Slots, index entries and content records each pause once per batch.
            long slots = paced.slotCapacity();
            long minimum = slots / CheckPace.BATCH + 3000 / CheckPace.BATCH + memories / CheckPace.BATCH;
            assertThat(pauses.get()).isGreaterThanOrEqualTo((int) minimum - 3);
            assertThat(paced.invariants().ok()).isTrue();
            assertThat(paced.slotsAllocated()).isEqualTo(unpaced.slotsAllocated()).isEqualTo(memories);
            assertThat(paced.slotsLive()).isEqualTo(unpaced.slotsLive()).isEqualTo(3000);
            assertThat(paced.contentBytes()).isEqualTo(unpaced.contentBytes());
            assertThat(paced.liveContentBytes()).isEqualTo(unpaced.liveContentBytes());
        }
    }

    @Test
    void everySlotIndexEntryAndRecordIsOneUnitOfWorkAndEveryBatchOfUnitsOnePause(@TempDir Path dir) {
        // Fixed chunks of 4096 slots: one write leaves 4095 slots of empty capacity to look at.
        StoreOptions wide = TestStores.small().withChunks(ChunkSeries.fixed(4096), ChunkSeries.fixed(128 * 1024));
        try (MemoryStore store = MemoryStore.open(dir.resolve("wide"), wide)) {
            store.put("k", TestStores.write("one", 1));
            AtomicInteger pauses = new AtomicInteger();
            InvariantReport report = store.check(pauses::incrementAndGet);
            assertThat(report.slotCapacity()).isEqualTo(4096);
            // 4096 slots (1 claimed, 4095 empty) + 1 index entry + 1 record.
            assertThat(pauses).as("the empty capacity is paced too").hasValue((4096 + 1 + 1) / CheckPace.BATCH);
        }
        // Chunks of 16 slots: 2000 ids fill 2000 slots and 2000 small records (no padding in one chunk).
        try (MemoryStore store = TestStores.open(dir.resolve("ids"))) {
            for (int i = 0; i < 2000; i++) {
                store.put("k" + i, TestStores.write("v" + i, i));
            }
            AtomicInteger pauses = new AtomicInteger();
            InvariantReport report = store.check(pauses::incrementAndGet);
            long units = report.slotCapacity() + 2000 + 2000;
            assertThat(pauses).as("%d slots, 2000 index entries, 2000 records", report.slotCapacity())
                    .hasValue((int) (units / CheckPace.BATCH));
        }
    }

    @Test
    void aCheckReportsTheTimeItTook(@TempDir Path dir) {
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("k", TestStores.write("one", 1));
            long before = System.nanoTime();
            InvariantReport report = store.check();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
            assertThat(report.invariants().tookMillis()).isBetween(0L, elapsedMillis);
        }
    }

    @Test
    void aCancelledCheckLeavesTheStoreWorking(@TempDir Path dir) {
        try (MemoryStore store = TestStores.open(dir)) {
            for (int i = 0; i < 2 * CheckPace.BATCH; i++) {
                store.put("k" + i, TestStores.write("value " + i, i));
            }
            assertThatThrownBy(() -> store.check(() -> {
                throw new CancellationException("shutdown");
            })).isInstanceOf(CancellationException.class);

            store.put("after", MemoryWrite.of("still writable"));
            assertThat(store.get("after").orElseThrow().content()).isEqualTo("still writable");
            assertThat(store.check().invariants().ok()).isTrue();
        }
    }

    /**
     * A paced check rests outside the store's gate: a close (a drop) that begins while it rests
     * completes without waiting for it, and the check, when it comes back, stops with
     * {@link StoreClosedException} before it touches a chunk.
     */
    @Test
    void aPacedCheckRestsOutsideTheGateSoCloseDoesNotWaitForIt(@TempDir Path dir) throws Exception {
        MemoryStore store = TestStores.open(dir);
        for (int i = 0; i < 3 * CheckPace.BATCH; i++) {
            store.put("k" + i, TestStores.write("value " + i, i));
        }
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CheckPace slow = () -> {
            paused.countDown();
            try {
                release.await(); // a pause of the background check, as long as the test wants
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Throwable> check = threads.submit(() -> catchThrowable(() -> store.check(slow)));
            assertThat(paused.await(30, TimeUnit.SECONDS)).as("the check reached its first pause").isTrue();
            threads.submit(store::close).get(30, TimeUnit.SECONDS);
            assertThat(check.isDone()).as("the check still rests").isFalse();

            release.countDown();

            assertThat(check.get(30, TimeUnit.SECONDS)).as("the check stops when it comes back")
                    .isInstanceOf(StoreClosedException.class);
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void heapOnlyWorkOfACheckRunsWhereItsPaceSays() {
        assertThat(CheckPace.UNPACED.outside(() -> 42L)).as("a plain pace runs it in place").isEqualTo(42L);
        assertThat(CheckPace.cpuShare(0.5).outside(() -> 7L)).isEqualTo(7L);
    }
}
