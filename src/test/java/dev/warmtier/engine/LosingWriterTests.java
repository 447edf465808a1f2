package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conditional write whose precondition held when it started, but no longer holds at its per-key
 * step because another write of the same id got there first. It must lose cleanly: answer what
 * the winner left, give its claimed slot up as abandoned (never live, never a violation, counted),
 * and leave the winner's memory as it was.
 *
 * <p>The loser is held right after its slot claim (between the linearizable pre-check and the
 * per-key step) by an allocator hook, while the winner writes; no timing is involved.
 */
class LosingWriterTests {

    @TempDir
    Path dir;

    /** Holds the first write that claims a slot on {@link #loserThread} until {@link #release} opens. */
    private final CountDownLatch claimedByLoser = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Thread loserThread;
    private final RecordingForcer forcer = new RecordingForcer();
    private MemoryStore store;

    @AfterEach
    void closeStore() {
        release.countDown();
        if (store != null) {
            store.close();
        }
    }

    private MemoryStore open() {
        StoreOptions options = TestStores.small().withAllocator(next -> new ObservedSlotAllocator(
                new AtomicSlotAllocator(next)) {
            @Override
            protected void claimed(long slot) {
                if (Thread.currentThread() == loserThread) {
                    claimedByLoser.countDown();
                    Latches.await(release);
                }
            }
        }).withForcer(forcer);
        // Versions reserved one at a time, so the ceiling on disk is the last version taken.
        store = TestStores.open(dir, options, 1);
        return store;
    }

    /** Runs {@code loser} on its own thread and returns once it has claimed its slot and is held there. */
    private <T> CompletableFuture<T> holdAfterClaim(Supplier<T> loser) throws InterruptedException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(loser.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "loser");
        loserThread = thread;
        thread.start();
        assertThat(claimedByLoser.await(30, TimeUnit.SECONDS)).as("loser reached its claim").isTrue();
        return result;
    }

    @Test
    void putIfVersionThatLosesToAConcurrentPutAnswersTheWinnersVersionAndAbandonsItsSlot() throws Exception {
        open();
        long first = store.put("k", TestStores.write("first", 1)).memory().version();
        CompletableFuture<PutResult> loser = holdAfterClaim(
                () -> store.putIfVersion("k", first, TestStores.write("loser", 2)));
        PutResult winner = store.put("k", TestStores.write("winner", 3));
        release.countDown();
        PutResult lost = loser.get(30, TimeUnit.SECONDS);

        assertThat(lost.status()).isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        assertThat(lost.memory()).isNull();
        assertThat(lost.currentVersion()).as("the version that beat it").isEqualTo(winner.memory().version());
        assertLoserLeftOnlyAnAbandonedSlot("winner", winner.memory().version());
    }

    /**
     * The winner's write made the slot chunk dirty and a flush forced it before the loser gave its
     * slot up; the abandoned state must still reach the disk at the next flush, so recovery counts
     * the slot as abandoned rather than torn.
     */
    @Test
    void theNextFlushForcesTheChunkOfTheAbandonedSlot() throws Exception {
        open();
        long first = store.put("k", TestStores.write("first", 1)).memory().version();
        CompletableFuture<PutResult> loser = holdAfterClaim(
                () -> store.putIfVersion("k", first, TestStores.write("loser", 2)));
        store.put("k", TestStores.write("winner", 3));
        store.flush();
        forcer.clear();
        release.countDown();
        assertThat(loser.get(30, TimeUnit.SECONDS).status()).isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        store.flush();
        assertThat(forcer.timeline()).as("the slot chunk that holds the abandoned slot, and nothing else")
                .containsExactly(RecordingForcer.range(SlotFile.FILE_NAME, SlotLayout.HEADER_BYTES,
                        TestStores.SMALL_SLOT_CHUNK * SlotLayout.slotSize(TestStores.DIMENSION)));
    }

    @Test
    void putIfAbsentThatLosesToAConcurrentCreateAnswersTheWinnersVersion() throws Exception {
        open();
        CompletableFuture<PutResult> loser = holdAfterClaim(
                () -> store.putIfAbsent("k", TestStores.write("loser", 2)));
        PutResult winner = store.putIfAbsent("k", TestStores.write("winner", 3));
        assertThat(winner.status()).isEqualTo(PutResult.Status.CREATED);
        release.countDown();
        PutResult lost = loser.get(30, TimeUnit.SECONDS);

        assertThat(lost.status()).isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        assertThat(lost.currentVersion()).isEqualTo(winner.memory().version());
        assertLoserLeftOnlyAnAbandonedSlot("winner", winner.memory().version());
    }

    @Test
    void deleteIfVersionThatLosesToAConcurrentPutAnswersTheNewVersionAndKeepsTheMemory() throws Exception {
        open();
        long first = store.put("k", TestStores.write("first", 1)).memory().version();
        CompletableFuture<DeleteResult> loser = holdAfterClaim(() -> store.deleteIfVersion("k", first));
        PutResult winner = store.put("k", TestStores.write("winner", 3));
        release.countDown();
        DeleteResult lost = loser.get(30, TimeUnit.SECONDS);

        assertThat(lost.status()).isEqualTo(DeleteResult.Status.PRECONDITION_FAILED);
        assertThat(lost.version()).as("the version that beat it").isEqualTo(winner.memory().version());
        assertLoserLeftOnlyAnAbandonedSlot("winner", winner.memory().version());
    }

    @Test
    void deleteThatLosesToAConcurrentDeleteAnswersNotFoundAndWritesNoSecondTombstone() throws Exception {
        open();
        store.put("k", TestStores.write("first", 1));
        CompletableFuture<DeleteResult> loser = holdAfterClaim(() -> store.delete("k"));
        DeleteResult winner = store.delete("k");
        assertThat(winner.status()).isEqualTo(DeleteResult.Status.DELETED);
        release.countDown();
        DeleteResult lost = loser.get(30, TimeUnit.SECONDS);

        assertThat(lost).isEqualTo(new DeleteResult(DeleteResult.Status.NOT_FOUND, 0));
        assertThat(store.get("k")).isEmpty();
        assertThat(store.version("k")).isZero();
        assertThat(store.stats().abandonedWrites()).isEqualTo(1);
        assertThat(store.stats().slotsLive()).isZero();
        assertThat(store.check().violations()).isZero();
        RecoveryReport reopened = reopenByScan();
        assertThat(reopened.abandonedSlots()).isEqualTo(1);
        assertThat(reopened.tombstones()).isEqualTo(1);
        assertThat(reopened.lastVersion()).as("the loser took no version").isEqualTo(winner.version());
    }

    /** The winner's memory is intact and live, the loser's slot abandoned and counted, before and after a crash. */
    private void assertLoserLeftOnlyAnAbandonedSlot(String winnerContent, long winnerVersion) throws Exception {
        StoredMemory now = store.get("k").orElseThrow();
        assertThat(now.content()).isEqualTo(winnerContent);
        assertThat(now.version()).isEqualTo(winnerVersion);
        assertThat(store.stats().abandonedWrites()).as("the loser's slot was given up").isEqualTo(1);
        assertThat(store.stats().slotsLive()).isEqualTo(1);
        assertThat(store.check().violations()).as(store.check().toString()).isZero();

        RecoveryReport reopened = reopenByScan();
        assertThat(reopened.abandonedSlots()).as(reopened.toString()).isEqualTo(1);
        assertThat(reopened.liveMemories()).isEqualTo(1);
        assertThat(reopened.lastVersion()).as("the loser took no version").isEqualTo(winnerVersion);
        assertThat(store.get("k").orElseThrow().content()).isEqualTo(winnerContent);
    }

    /** Closes, removes the clean-shutdown mark as a crash would have, and reopens: recovery scans the slots. */
    private RecoveryReport reopenByScan() throws Exception {
        store.close();
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));
        store = TestStores.open(dir, 1);
        RecoveryReport report = store.recovery();
        assertThat(report.cleanStart()).isFalse();
        return report;
    }
}
