package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Picks the recall loop at run time, as Lucene's {@code VectorizationProvider} does: the Vector
 * API's when the JVM has the incubator module ({@code --add-modules jdk.incubator.vector}), the
 * scalar one otherwise. The Vector API class is compiled apart (its source root is
 * {@code src/main/java-vector}) and only ever loaded by name, so a JVM without the module never
 * touches it and runs the scalar loop.
 *
 * <p>Threads: no state but the answer of the first {@link #best()}, computed once.
 */
public final class VectorScorers {

    static final String MODULE = "jdk.incubator.vector";
    static final String VECTOR_API_CLASS = "dev.warmtier.engine.VectorApiScorer";

    private VectorScorers() {
    }

    /** The fastest loop this JVM can run. */
    public static VectorScorer best() {
        return Best.SCORER;
    }

    /** The scalar loop, which every JVM runs. */
    public static VectorScorer scalar() {
        return ScalarScorer.INSTANCE;
    }

    /**
     * The Vector API loop, when this JVM has the incubator module and the loop runs on it: it is
     * written against Java 17's incubator API ({@code FloatVector.fromByteBuffer}, gone from Java
     * 19 on), so it is tried once on a small buffer and given up on a JVM where it cannot run.
     */
    public static Optional<VectorScorer> vectorApi() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return Optional.empty();
        }
        try {
            VectorScorer loop = (VectorScorer) Class.forName(VECTOR_API_CLASS).getDeclaredConstructor().newInstance();
            ByteBuffer probe = ByteBuffer.allocateDirect(PROBE_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            float[] ones = new float[PROBE_FLOATS];
            for (int i = 0; i < PROBE_FLOATS; i++) {
                ones[i] = 1f;
                probe.putFloat(i * Float.BYTES, 1f);
            }
            return loop.dot(ones, probe, 0) == PROBE_FLOATS ? Optional.of(loop) : Optional.empty();
        } catch (ReflectiveOperationException | LinkageError e) {
            return Optional.empty(); // an incubator API other than the one it was compiled against
        }
    }

    /** Floats of the probe: more than any machine's widest vector, and not a multiple of it, so both the vector and the tail part run. */
    private static final int PROBE_FLOATS = 67;

    /** The answer of {@link #best()}, decided when first asked. */
    private static final class Best {
        static final VectorScorer SCORER = vectorApi().orElse(ScalarScorer.INSTANCE);
    }
}
