package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The dot product with the Vector API: the machine's widest float vectors, four independent
 * accumulators (so consecutive fused multiply-adds do not wait on each other), loaded straight
 * from the mapped buffer. Compiled with {@code --add-modules jdk.incubator.vector} from its own
 * source root and loaded only by {@link VectorScorers}, by name, when the JVM has the module.
 *
 * <p>Threads: no state; any thread.
 */
final class VectorApiScorer implements VectorScorer {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    VectorApiScorer() {
    }

    @Override
    public float dot(float[] query, ByteBuffer buffer, int offset) {
        int n = query.length;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int i = 0;
        int bytes = LANES * Float.BYTES;
        for (; i + 4 * LANES <= n; i += 4 * LANES) {
            int at = offset + i * Float.BYTES;
            acc0 = FloatVector.fromArray(SPECIES, query, i)
                    .fma(FloatVector.fromByteBuffer(SPECIES, buffer, at, ByteOrder.LITTLE_ENDIAN), acc0);
            acc1 = FloatVector.fromArray(SPECIES, query, i + LANES)
                    .fma(FloatVector.fromByteBuffer(SPECIES, buffer, at + bytes, ByteOrder.LITTLE_ENDIAN), acc1);
            acc2 = FloatVector.fromArray(SPECIES, query, i + 2 * LANES)
                    .fma(FloatVector.fromByteBuffer(SPECIES, buffer, at + 2 * bytes, ByteOrder.LITTLE_ENDIAN), acc2);
            acc3 = FloatVector.fromArray(SPECIES, query, i + 3 * LANES)
                    .fma(FloatVector.fromByteBuffer(SPECIES, buffer, at + 3 * bytes, ByteOrder.LITTLE_ENDIAN), acc3);
        }
        for (; i + LANES <= n; i += LANES) {
            acc0 = FloatVector.fromArray(SPECIES, query, i)
                    .fma(FloatVector.fromByteBuffer(SPECIES, buffer, offset + i * Float.BYTES, ByteOrder.LITTLE_ENDIAN),
                            acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += query[i] * buffer.getFloat(offset + i * Float.BYTES);
        }
        return sum;
    }

    @Override
    public String name() {
        return "vector-api (" + LANES + " lanes)";
    }
}
