package dev.warmtier.engine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child process of {@link KillDashNineTests}: opens a store and writes from several threads
 * until it is killed, printing {@code ACK thread op} after each operation returned. Operation
 * {@code op} of thread {@code t} is fully determined by {@link #operation}, so the parent can
 * compute exactly what each acknowledged prefix of operations leaves behind. It prints
 * {@code CALL thread op} before calling the store, and through the allocator seam
 * {@code CLAIM thread op slot} when the engine claimed a slot for an operation and {@code USED thread op slot} once that slot's payload is written (the per-key
 * publish step comes after): the parent learns which operations were inside the engine, and how
 * far, when the kill landed.
 */
public final class CrashWriter {

    static final int IDS_PER_THREAD = 40;

    /** One deterministic operation: a put of {@link #content} or a delete. */
    record Operation(String id, boolean delete, String content) {
    }

    static Operation operation(int round, int thread, long op) {
        String id = "r" + round + "-w" + thread + "-" + (op % IDS_PER_THREAD);
        if (op % 7 == 6) {
            return new Operation(id, true, null);
        }
        int size = (int) ((op * 2654435761L + thread) % 4000);
        return new Operation(id, false, TestStores.text(id + "#" + op, size));
    }

    /** Operations acknowledged by all writers of this process. */
    static final AtomicLong ACKNOWLEDGED = new AtomicLong();

    /** The writer thread's number and current op, for {@link NotingAllocator}; set by that thread only. */
    private static final ThreadLocal<long[]> CURRENT = new ThreadLocal<>();

    /** The store's own allocator, printing each claim and payload write with the operation it serves. */
    private static final class NotingAllocator extends ObservedSlotAllocator {
        private final PrintStream out;

        NotingAllocator(SlotAllocator delegate, PrintStream out) {
            super(delegate);
            this.out = out;
        }

        @Override
        protected void claimed(long slot) {
            note("CLAIM", slot);
        }

        @Override
        protected void payloadWritten(long slot) {
            note("USED", slot);
        }

        private void note(String what, long slot) {
            long[] current = CURRENT.get();
            synchronized (out) {
                out.println(what + " " + current[0] + " " + current[1] + " " + slot);
                out.flush();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int round = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        MemoryStore store = open(dir, out);
        out.println("OPEN " + store.recovery());
        out.flush();
        startWriters(store, round, threads, out);
    }

    /** Opens the store in {@code dir} with an allocator that prints each claim and payload write to {@code out}. */
    static MemoryStore open(Path dir, PrintStream out) {
        StoreOptions options = TestStores.small().withDurability(Durability.INTERVAL, Duration.ofMillis(20));
        return MemoryStore.open(dir, options.withAllocator(
                firstFree -> new NotingAllocator(options.allocatorFactory().apply(firstFree), out)));
    }

    /** Starts {@code threads} writers that run {@link #operation}s until the process dies, printing CALL and ACK. */
    static void startWriters(MemoryStore store, int round, int threads, PrintStream out) {
        CyclicBarrier start = new CyclicBarrier(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread writer = new Thread(() -> {
                try {
                    start.await();
                    for (long op = 0; ; op++) {
                        CURRENT.set(new long[] {thread, op});
                        Operation o = operation(round, thread, op);
                        synchronized (out) {
                            out.println("CALL " + thread + " " + op);
                            out.flush();
                        }
                        if (o.delete()) {
                            store.delete(o.id());
                        } else {
                            store.put(o.id(), TestStores.write(o.content(), op));
                        }
                        synchronized (out) {
                            out.println("ACK " + thread + " " + op);
                            out.flush();
                        }
                        ACKNOWLEDGED.incrementAndGet();
                    }
                } catch (Exception e) {
                    synchronized (out) {
                        out.println("FAILED " + thread + " " + e);
                        out.flush();
                    }
                }
            }, "crash-writer-" + t);
            writer.start();
        }
    }
}
