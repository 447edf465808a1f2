package dev.warmtier.bench;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Heap that recovery by scan needs after a crash. {@code fill DIR IDS VERSIONS} writes every id
 * VERSIONS times (8-float embeddings: the heap recovery needs does not depend on the dimension)
 * and halts without closing, as a kill -9 would; {@code recover DIR} opens the store, which scans,
 * and prints the peak heap used meanwhile. Run {@code recover} with {@code -XX:+UseSerialGC} and a
 * few {@code -Xmx} values: the smallest that completes is the heap recovery needs.
 */
public final class RecoveryHeapProbe {

    private RecoveryHeapProbe() {
    }

    static StoreOptions options() {
        return StoreOptions.defaults().withEmbeddingDimension(8).withDurability(Durability.NONE, Duration.ofMillis(100));
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[1]);
        if (args[0].equals("fill")) {
            int ids = Integer.parseInt(args[2]);
            int versions = Integer.parseInt(args[3]);
            MemoryStore store = MemoryStore.open(dir, options());
            MemoryWrite write = new MemoryWrite("content of a memory", new float[8], 0.7f, 0f, 0.1f);
            for (int v = 0; v < versions; v++) {
                for (int i = 0; i < ids; i++) {
                    store.put("thread-" + (i % 16) + "-ep-" + i, write);
                }
            }
            System.out.println("filled " + store.stats());
            Runtime.getRuntime().halt(0);
        }
        System.gc();
        long before = usedHeap();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long started = System.nanoTime();
        MemoryStore store = MemoryStore.open(dir, options());
        long millis = (System.nanoTime() - started) / 1_000_000;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        long retained = usedHeap() - before;
        System.out.printf("recovered in %d ms: peak heap %d MiB (before %d MiB), retained after gc %d MiB, %s%n",
                millis, peak >> 20, before >> 20, retained >> 20, store.recovery());
        Runtime.getRuntime().halt(0); // leave the files crashed, so the next run scans again
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
