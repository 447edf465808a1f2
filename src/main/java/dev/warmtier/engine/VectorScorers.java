package dev.warmtier.engine;

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

    /** The Vector API loop, when this JVM has the incubator module. */
    public static Optional<VectorScorer> vectorApi() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of((VectorScorer) Class.forName(VECTOR_API_CLASS).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("the JVM has " + MODULE + " but " + VECTOR_API_CLASS
                    + " cannot be loaded", e);
        }
    }

    /** The answer of {@link #best()}, decided when first asked. */
    private static final class Best {
        static final VectorScorer SCORER = vectorApi().orElse(ScalarScorer.INSTANCE);
    }
}
