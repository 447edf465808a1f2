package dev.warmtier.engine;

/**
 * The sizes of a file's chunks: a small first chunk, then chunks that double until they reach the
 * largest size, then chunks of that size. The units are the file's own (slots for the slot file,
 * bytes for the content log). Both files record their series in their header, so the chunk that
 * holds a position is a computation, not a lookup.
 *
 * <pre>
 * chunk      0       1       2        3        ...  d+1       d+2       ...
 * size       first   first   2 first  4 first  ...  max       max       ...   (max = {@code first << d})
 * starts at  0       first   2 first  4 first  ...  max       2 max     ...
 * </pre>
 *
 * <p>With {@code doublings = 0} every chunk has the same size: the fixed chunks of format 1.
 *
 * <p>Threads: immutable; any thread.
 *
 * @param first     units in chunk 0 (and chunk 1)
 * @param doublings how often the size doubles before it stops growing
 */
public record ChunkSeries(long first, int doublings) {

    /** More would make the largest chunk a size no mapping can have. */
    static final int MAX_DOUBLINGS = 30;

    public ChunkSeries {
        if (first < 1 || doublings < 0 || doublings > MAX_DOUBLINGS || Long.numberOfLeadingZeros(first) <= doublings + 1) {
            throw new IllegalArgumentException("chunk series needs first >= 1 and 0 <= doublings <= " + MAX_DOUBLINGS
                    + ", was first " + first + ", doublings " + doublings);
        }
    }

    /** Chunks of one size: the series of format 1 files. */
    public static ChunkSeries fixed(long size) {
        return new ChunkSeries(size, 0);
    }

    /**
     * The series that starts at {@code first} and doubles while the chunk stays at most
     * {@code maxUnits}, and at least until it reaches {@code minMaxUnits} (a chunk must hold the
     * largest record, whatever the first size).
     */
    public static ChunkSeries doubling(long first, long maxUnits, long minMaxUnits) {
        int doublings = 0;
        while (doublings < MAX_DOUBLINGS && ((first << (doublings + 1)) <= maxUnits || (first << doublings) < minMaxUnits)) {
            doublings++;
        }
        return new ChunkSeries(first, doublings);
    }

    /** Units of the largest chunk. */
    public long max() {
        return first << doublings;
    }

    /** The chunk holding {@code unit}. */
    int index(long unit) {
        if (unit < 0) {
            throw new IllegalArgumentException("negative position " + unit);
        }
        long max = max();
        if (unit < max) {
            return 64 - Long.numberOfLeadingZeros(unit / first);
        }
        return Math.toIntExact(doublings + unit / max);
    }

    /** The first unit of chunk {@code index}. */
    long start(int index) {
        if (index == 0) {
            return 0;
        }
        if (index <= doublings + 1) {
            return first << (index - 1);
        }
        return (index - (long) doublings) * max();
    }

    /** Units in chunk {@code index}. */
    long size(int index) {
        if (index == 0) {
            return first;
        }
        return index <= doublings + 1 ? first << (index - 1) : max();
    }

    /** Units in chunks {@code 0..count-1}. */
    long capacity(int count) {
        return count == 0 ? 0 : start(count - 1) + size(count - 1);
    }

    /** The same series in units {@code factor} times larger (slots to bytes). */
    ChunkSeries scaled(int factor) {
        return new ChunkSeries(Math.multiplyExact(first, (long) factor), doublings);
    }
}
