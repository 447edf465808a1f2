package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicSlotAllocatorTests {

    @Test
    void startsAtTheRecoveredMarkAndCountsUp() {
        AtomicSlotAllocator allocator = new AtomicSlotAllocator(41);
        assertThat(allocator.next()).isEqualTo(41);
        assertThat(allocator.claim(100)).isEqualTo(41);
        assertThat(allocator.claim(100)).isEqualTo(42);
        assertThat(allocator.next()).isEqualTo(43);
    }

    @Test
    void aClaimAtTheLimitTakesNothing() {
        AtomicSlotAllocator allocator = new AtomicSlotAllocator(41);
        assertThat(allocator.claim(42)).isEqualTo(41);
        assertThat(allocator.claim(42)).isEqualTo(-1);
        assertThat(allocator.claim(42)).isEqualTo(-1);
        assertThat(allocator.next()).as("failed claims leave the mark where it was").isEqualTo(42);
        assertThat(allocator.claim(43)).isEqualTo(42);
    }

    @Test
    void concurrentClaimsAreDistinctAndLeaveNoGap() throws Exception {
        int threads = 8;
        int claims = 20_000;
        SlotAllocator allocator = new AtomicSlotAllocator(0);
        Set<Long> all = claimConcurrently(allocator, threads, claims);
        assertThat(all).hasSize(threads * claims);
        assertThat(allocator.next()).isEqualTo((long) threads * claims);
    }

    /**
     * A listening allocator hears of each slot once its payload is written and before the write is
     * published: the point where the read-use-increment race moves its counter, and where the
     * service-level tests hold or fail a write.
     */
    @Test
    void aListeningAllocatorIsToldOfEachFilledSlotBeforeItsWriteIsPublished(@TempDir Path dir) {
        List<String> told = new ArrayList<>();
        MemoryStore[] opened = new MemoryStore[1];
        StoreOptions options = TestStores.small().withAllocator(next -> new ObservedSlotAllocator(
                new AtomicSlotAllocator(next)) {
            @Override
            protected void payloadWritten(long slot) {
                ByteBuffer bytes = slotOnDisk(dir, slot);
                told.add(slot + ": state " + (bytes.getInt(SlotLayout.STATE_OFFSET) == SlotLayout.STATE_EMPTY ? "empty" : "set")
                        + ", payload " + (bytes.getInt(SlotLayout.RECORD_LENGTH_OFFSET) > 0 ? "written" : "missing")
                        + ", " + (opened[0].get("k" + slot).isPresent() ? "published" : "not yet published"));
            }
        });
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            opened[0] = store;
            for (int i = 0; i < 3; i++) {
                assertThat(store.put("k" + i, MemoryWrite.of("v" + i)).memory().slot()).isEqualTo(i);
            }
        }
        assertThat(told).containsExactly("0: state empty, payload written, not yet published",
                "1: state empty, payload written, not yet published", "2: state empty, payload written, not yet published");
    }

    /** The bytes of {@code slot} as the file holds them now (the page cache the store maps). */
    private static ByteBuffer slotOnDisk(Path dir, long slot) {
        int slotSize = SlotLayout.slotSize(TestStores.DIMENSION);
        ByteBuffer bytes = ByteBuffer.allocate(slotSize).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(dir.resolve(SlotFile.FILE_NAME), StandardOpenOption.READ)) {
            channel.read(bytes, SlotLayout.HEADER_BYTES + slot * slotSize);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    @Test
    void theRacyAllocatorHandsOutTheSameSlotTwice() throws Exception {
        // The seam works both ways: the same harness catches the read-use-increment slot race.
        SlotAllocator racy = new RacySlotAllocator(0);
        Set<Long> all = claimConcurrently(racy, 8, 20_000);
        assertThat(all).as("distinct slots out of %d claims", 8 * 20_000).hasSizeLessThan(8 * 20_000);
    }

    /** All claims of all threads, started together by a barrier. */
    static Set<Long> claimConcurrently(SlotAllocator allocator, int threads, int claims) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    long[] mine = new long[claims];
                    // Stands in for the slot: using a claim means writing a slot's worth of bytes.
                    long[] slotBytes = new long[SlotLayout.slotSize(768) / Long.BYTES];
                    start.await();
                    for (int i = 0; i < claims; i++) {
                        mine[i] = allocator.claim(Long.MAX_VALUE);
                        Arrays.fill(slotBytes, mine[i]);
                        SlotFillListener.of(allocator).accept(mine[i]);
                    }
                    return mine;
                }));
            }
            Set<Long> all = new HashSet<>();
            for (Future<long[]> f : futures) {
                for (long slot : f.get(1, TimeUnit.MINUTES)) {
                    all.add(slot);
                }
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }
}
