package dev.warmtier.support;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/**
 * Latencies of one worker's requests, in nanoseconds, and the percentiles of several merged.
 * Confined: one worker thread records into its own instance; the merge happens after the worker
 * has finished (the future's get is the happens-before edge), so there is no lock and no atomic.
 */
public final class Latencies {

    private long[] nanos = new long[1024];
    private int count;

    void record(long latencyNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = latencyNanos;
    }

    int count() {
        return count;
    }

    public static Latencies merge(Collection<Latencies> parts) {
        Latencies all = new Latencies();
        all.nanos = new long[Math.max(1, parts.stream().mapToInt(Latencies::count).sum())];
        for (Latencies part : parts) {
            System.arraycopy(part.nanos, 0, all.nanos, all.count, part.count);
            all.count += part.count;
        }
        return all;
    }

    /** The p-th percentile (0 < p <= 100) by nearest rank, in nanoseconds; 0 when nothing was recorded. */
    long percentile(double p) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.min(count, Math.max(1, rank)) - 1];
    }

    long max() {
        return percentile(100);
    }

    /** {@code ops=.. p50=..ms p99=..ms max=..ms}, the part of a figures line about latency. */
    String summary() {
        return String.format(Locale.ROOT, "ops=%d p50=%s p99=%s max=%s", count, millis(percentile(50)),
                millis(percentile(99)), millis(max()));
    }

    public static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }
}
