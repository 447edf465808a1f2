package dev.warmtier.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;

/**
 * Which slots of one generation hold a live memory: one bit per slot, set when a write's per-key
 * step installs the slot in the index and cleared when the id's next write or delete replaces it.
 * Recall walks these bits in slot order, so it reads only live embeddings, sequentially, without
 * touching the index. Derived data like the index: built again at every open and by a compaction.
 *
 * <p>Each id has at most one bit set at any instant but for the moment inside its compute between
 * setting the new slot's bit and clearing the old one; a scan that reads both, at different times,
 * sees two versions of the id, both live at some point of the scan, and keeps one ({@link Recall}).
 *
 * <p>Threads: bits change only inside the compute of the id that owns the slot (so a slot's bit is
 * set once and cleared once, slots never being reused), with release semantics after the slot's
 * state was published; any thread reads words with acquire, so a reader that sees a bit set sees
 * the committed slot. Pages are added copy-on-write under this object's monitor.
 */
final class LiveSlots {

    /** Slots per page: 65,536 bits in 1,024 longs (8 KiB), so a small space costs one page. */
    static final int PAGE_SHIFT = 16;
    private static final int WORDS_PER_PAGE = 1 << (PAGE_SHIFT - 6);
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    /** The pages, indexed by slot >> PAGE_SHIFT; replaced whole (copy-on-write) when a page is added. */
    private volatile long[][] pages = new long[0][];

    /** The live slots of {@code index}: one bit for each entry that is not a tombstone. */
    static LiveSlots of(Map<String, IndexEntry> index) {
        LiveSlots live = new LiveSlots();
        for (IndexEntry entry : index.values()) {
            if (!entry.tombstone()) {
                live.set(entry.slot());
            }
        }
        return live;
    }

    /** Marks {@code slot} live; after its state was published, inside its id's compute. */
    void set(long slot) {
        long[] page = pageFor(slot);
        WORD.getAndBitwiseOrRelease(page, wordIn(slot), 1L << slot);
    }

    /** Marks {@code slot} no longer live; inside its id's compute. */
    void clear(long slot) {
        long[][] current = pages;
        int p = (int) (slot >>> PAGE_SHIFT);
        if (p < current.length && current[p] != null) {
            WORD.getAndBitwiseAndRelease(current[p], wordIn(slot), ~(1L << slot));
        }
    }

    /**
     * Makes the page holding {@code slot} exist, before the compute that will {@link #set} it: so
     * the set, which comes after the slot is published, never allocates (and never fails).
     */
    void reserve(long slot) {
        pageFor(slot);
    }

    /**
     * The 64 bits of slots {@code 64 * wordIndex} to {@code 64 * wordIndex + 63}, with acquire:
     * every slot whose bit is set here is committed and visible to the caller.
     */
    long word(long wordIndex) {
        long[][] current = pages;
        int p = (int) (wordIndex >>> (PAGE_SHIFT - 6));
        if (p >= current.length || current[p] == null) {
            return 0;
        }
        return (long) WORD.getAcquire(current[p], (int) (wordIndex & (WORDS_PER_PAGE - 1)));
    }

    /** Live slots, counted now; for tests and reports (not a snapshot while writes go on). */
    long count() {
        long count = 0;
        for (long[] page : pages) {
            if (page != null) {
                for (int i = 0; i < page.length; i++) {
                    count += Long.bitCount((long) WORD.getAcquire(page, i));
                }
            }
        }
        return count;
    }

    private static int wordIn(long slot) {
        return (int) ((slot >>> 6) & (WORDS_PER_PAGE - 1));
    }

    private long[] pageFor(long slot) {
        int p = (int) (slot >>> PAGE_SHIFT);
        long[][] current = pages;
        if (p < current.length && current[p] != null) {
            return current[p];
        }
        synchronized (this) {
            current = pages;
            if (p >= current.length) {
                current = Arrays.copyOf(current, Math.max(p + 1, current.length * 2));
            } else if (current[p] != null) {
                return current[p];
            } else {
                current = current.clone();
            }
            current[p] = new long[WORDS_PER_PAGE];
            pages = current; // volatile write: the new page is visible, zeroed, to every later reader
            return current[p];
        }
    }
}
