package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The live-slot bitmap: bits at word and page edges, pages made on demand, a clear where no page
 * is, the bitmap built from an index, and concurrent sets in new pages none of which is lost to
 * another's copy of the page array.
 */
class LiveSlotsTests {

    private static final long PAGE = 1L << LiveSlots.PAGE_SHIFT;

    private static boolean live(LiveSlots slots, long slot) {
        return (slots.word(slot >>> 6) & (1L << slot)) != 0;
    }

    @Test
    void bitsAtWordAndPageEdgesAreSetAndClearedAlone() {
        LiveSlots slots = new LiveSlots();
        long[] edges = {0, 1, 63, 64, 65, PAGE - 1, PAGE, PAGE + 1, 5 * PAGE + 64};
        for (long slot : edges) {
            slots.set(slot);
        }
        for (long slot : edges) {
            assertThat(live(slots, slot)).as("slot %d", slot).isTrue();
        }
        assertThat(live(slots, 2)).isFalse();
        assertThat(live(slots, 3 * PAGE)).as("a page never made reads as empty").isFalse();
        assertThat(slots.count()).isEqualTo(edges.length);
        slots.clear(64);
        slots.clear(PAGE);
        slots.clear(9 * PAGE); // no page there: nothing to clear, nothing made
        assertThat(live(slots, 64)).isFalse();
        assertThat(live(slots, 63)).isTrue();
        assertThat(live(slots, 65)).isTrue();
        assertThat(live(slots, PAGE)).isFalse();
        assertThat(live(slots, PAGE + 1)).isTrue();
        assertThat(slots.word(9 * PAGE >>> 6)).isZero();
        assertThat(slots.count()).isEqualTo(edges.length - 2);
    }

    @Test
    void aReservedPageIsEmptyAndKeepsBitsSetBefore() {
        LiveSlots slots = new LiveSlots();
        slots.set(7);
        slots.reserve(2 * PAGE + 3);
        slots.reserve(7);
        assertThat(slots.count()).isEqualTo(1);
        slots.set(2 * PAGE + 3);
        assertThat(live(slots, 7)).isTrue();
        assertThat(live(slots, 2 * PAGE + 3)).isTrue();
    }

    @Test
    void theBitmapOfAnIndexMarksItsLiveEntriesOnly() {
        LiveSlots slots = LiveSlots.of(Map.of("a", new IndexEntry(3, 1, false, 64), "b", new IndexEntry(70, 2, true, 64),
                "c", new IndexEntry(PAGE + 9, 3, false, 64)));
        assertThat(live(slots, 3)).isTrue();
        assertThat(live(slots, 70)).as("a tombstone's slot").isFalse();
        assertThat(live(slots, PAGE + 9)).isTrue();
        assertThat(slots.count()).isEqualTo(2);
    }

    @Test
    void concurrentSetsInNewPagesAreAllKept() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        for (int round = 0; round < 20; round++) {
            LiveSlots slots = new LiveSlots();
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        // Every thread keeps reaching pages no one made yet, each slot of its own.
                        slots.set((long) i * PAGE / 16 + thread);
                    }
                    return null;
                }));
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(slots.count()).as("round %d", round).isEqualTo((long) threads * perThread);
        }
    }
}
