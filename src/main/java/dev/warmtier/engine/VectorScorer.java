package dev.warmtier.engine;

import java.nio.ByteBuffer;

/**
 * The inner loop of recall: the dot product of a query with an embedding read in place from a
 * mapped slot. Two implementations, chosen at run time by {@link VectorScorers#best()}: the Vector
 * API's, when the JVM was started with {@code --add-modules jdk.incubator.vector}, and the scalar
 * one otherwise. They may differ in the last bits of a sum (FMA, order of additions), never more.
 *
 * <p>Threads: implementations hold no state; any thread.
 */
public interface VectorScorer {

    /**
     * The dot product of {@code query} with the {@code query.length} little-endian floats of
     * {@code buffer} (in little-endian order, as every mapped chunk is) starting at byte
     * {@code offset}, summed in float.
     *
     * @throws IndexOutOfBoundsException when those floats are not all inside the buffer's limit
     */
    float dot(float[] query, ByteBuffer buffer, int offset);

    /** What the path is, for logs and reports: {@code "vector-api (16 lanes)"}, {@code "scalar"}. */
    String name();
}
