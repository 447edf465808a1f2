package dev.warmtier.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The dot product in plain Java. C2 on Java 17 does not vectorize a float reduction (float
 * addition is not associative, so it may not reorder the sum), so a one-accumulator loop waits
 * on each addition's latency; eight independent accumulators keep the floating-point units busy.
 * What is left is the loads: two per float (query and embedding), and for a {@link ByteBuffer} a
 * bounds check per float. So for a mapped (direct) buffer the embedding is checked once against
 * the buffer's limit and then read with {@code sun.misc.Unsafe.getFloat(long)}, reached
 * reflectively (no JVM flag, no compiler warning), which is about a fifth faster
 * ({@code docs/benchmarks.md#recall}); a heap buffer, a big-endian machine, a JVM without that
 * method or one from Java 23 on (which deprecates it) gets the same loop over
 * {@link ByteBuffer#getFloat(int)}.
 *
 * <p>The raw read is as safe as the buffer read it replaces: the bounds are checked first, and
 * the mapping stays valid while the caller is inside the store's gate (a chunk is never unmapped
 * while the store is open, and an old generation only after no operation can hold it).
 *
 * <p>Threads: no state; any thread.
 */
final class ScalarScorer implements VectorScorer {

    static final ScalarScorer INSTANCE = new ScalarScorer();

    /** {@code unsafe.getFloat(long address)}, or null where the raw read is not used. */
    private static final MethodHandle GET_FLOAT;
    /** {@code unsafe.getLong(buffer, offset of Buffer.address)}: a direct buffer's base address; null with GET_FLOAT. */
    private static final MethodHandle ADDRESS;

    static {
        MethodHandle getFloat = null;
        MethodHandle address = null;
        // Java 23 deprecated Unsafe's memory access for removal and 24 warns on its first use: there,
        // the checked loop (and on any such JVM, the Vector API loop is the one to run anyway).
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && Runtime.version().feature() < 23) {
            try {
                Class<?> type = Class.forName("sun.misc.Unsafe");
                Field field = type.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                Object unsafe = field.get(null);
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                getFloat = lookup.findVirtual(type, "getFloat", MethodType.methodType(float.class, long.class))
                        .bindTo(unsafe);
                long addressOffset = (long) lookup.findVirtual(type, "objectFieldOffset",
                                MethodType.methodType(long.class, Field.class)).bindTo(unsafe)
                        .invoke(Buffer.class.getDeclaredField("address"));
                address = MethodHandles.insertArguments(lookup.findVirtual(type, "getLong",
                        MethodType.methodType(long.class, Object.class, long.class)).bindTo(unsafe), 1, addressOffset);
            } catch (Throwable e) {
                getFloat = null; // a JVM without it: the checked loop serves
                address = null;
            }
        }
        GET_FLOAT = getFloat;
        ADDRESS = address;
    }

    private ScalarScorer() {
    }

    /** Whether direct buffers are read raw on this JVM; tests check both loops. */
    static boolean readsRaw() {
        return GET_FLOAT != null;
    }

    @Override
    public float dot(float[] query, ByteBuffer buffer, int offset) {
        if (GET_FLOAT != null && buffer.isDirect()) {
            Objects.checkFromIndexSize(offset, Math.multiplyExact(query.length, Float.BYTES), buffer.limit());
            return dotRaw(query, address(buffer) + offset);
        }
        return dotChecked(query, buffer, offset);
    }

    private static long address(ByteBuffer buffer) {
        try {
            return (long) ADDRESS.invokeExact((Object) buffer);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the address of a direct buffer", e);
        }
    }

    /** The loop over raw memory: {@code address} and the query's length were checked against the buffer. */
    private static float dotRaw(float[] query, long address) {
        try {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            int n = query.length;
            int i = 0;
            long at = address;
            for (; i + 7 < n; i += 8, at += 8 * Float.BYTES) {
                s0 += query[i] * (float) GET_FLOAT.invokeExact(at);
                s1 += query[i + 1] * (float) GET_FLOAT.invokeExact(at + 4);
                s2 += query[i + 2] * (float) GET_FLOAT.invokeExact(at + 8);
                s3 += query[i + 3] * (float) GET_FLOAT.invokeExact(at + 12);
                s4 += query[i + 4] * (float) GET_FLOAT.invokeExact(at + 16);
                s5 += query[i + 5] * (float) GET_FLOAT.invokeExact(at + 20);
                s6 += query[i + 6] * (float) GET_FLOAT.invokeExact(at + 24);
                s7 += query[i + 7] * (float) GET_FLOAT.invokeExact(at + 28);
            }
            for (; i < n; i++, at += Float.BYTES) {
                s0 += query[i] * (float) GET_FLOAT.invokeExact(at);
            }
            return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        } catch (Throwable e) {
            throw new IllegalStateException("raw read failed", e); // getFloat throws nothing
        }
    }

    /** The same loop through the buffer's own bounds-checked reads. */
    static float dotChecked(float[] query, ByteBuffer buffer, int offset) {
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
