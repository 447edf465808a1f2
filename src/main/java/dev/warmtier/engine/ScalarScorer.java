package dev.warmtier.engine;

import java.nio.ByteBuffer;

/**
 * The dot product in plain Java. C2 on Java 17 does not vectorize a float reduction (float
 * addition is not associative, so it may not reorder the sum), so a one-accumulator loop waits
 * on each addition's latency; eight independent accumulators keep the floating-point units busy
 * and reach about half of this machine's memory bandwidth ({@code docs/benchmarks.md#recall}).
 *
 * <p>Threads: no state; any thread.
 */
final class ScalarScorer implements VectorScorer {

    static final ScalarScorer INSTANCE = new ScalarScorer();

    private ScalarScorer() {
    }

    @Override
    public float dot(float[] query, ByteBuffer buffer, int offset) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int n = query.length;
        int i = 0;
        int at = offset;
        for (; i + 7 < n; i += 8, at += 8 * Float.BYTES) {
            s0 += query[i] * buffer.getFloat(at);
            s1 += query[i + 1] * buffer.getFloat(at + 4);
            s2 += query[i + 2] * buffer.getFloat(at + 8);
            s3 += query[i + 3] * buffer.getFloat(at + 12);
            s4 += query[i + 4] * buffer.getFloat(at + 16);
            s5 += query[i + 5] * buffer.getFloat(at + 20);
            s6 += query[i + 6] * buffer.getFloat(at + 24);
            s7 += query[i + 7] * buffer.getFloat(at + 28);
        }
        for (; i < n; i++, at += Float.BYTES) {
            s0 += query[i] * buffer.getFloat(at);
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    @Override
    public String name() {
        return "scalar";
    }
}
