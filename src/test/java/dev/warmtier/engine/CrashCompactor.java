package dev.warmtier.engine;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link CompactionKillTests}: the writers of {@link CrashWriter}, and beside
 * them a thread that compacts the store over and over. Given a {@link Compactor.Phase}, the second
 * compaction stops at that phase, prints {@code AT phase generation} and waits there for the kill
 * (writers keep writing unless the phase is inside the switch's pause); given {@code RANDOM}, the
 * compactions never stop and the parent kills the process whenever it likes. Each finished
 * compaction prints {@code COMPACTED generation}. Compactions begin once the writers acknowledged
 * 300 operations each on average.
 */
public final class CrashCompactor {

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int round = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        Compactor.Phase stopAt = args[3].equals("RANDOM") ? null : Compactor.Phase.valueOf(args[3]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        MemoryStore store = CrashWriter.open(dir, out);
        print(out, "OPEN " + store.recovery());
        CrashWriter.startWriters(store, round, threads, out);
        Thread compactor = new Thread(() -> {
            try {
                // Some data first, so that each compaction has memories to copy and writes to catch up on.
                while (CrashWriter.ACKNOWLEDGED.get() < 300L * threads) {
                    LockSupport.parkNanos(1_000_000);
                }
                for (int n = 0; ; n++) {
                    boolean stopping = n == 1;
                    long making = store.active().generation().number + 1;
                    CompactionReport report = store.compact(phase -> {
                        if (stopping && phase == stopAt) {
                            print(out, "AT " + phase + " " + making);
                            while (true) {
                                LockSupport.park();
                            }
                        }
                    });
                    print(out, "COMPACTED " + report.generation());
                }
            } catch (RuntimeException e) {
                print(out, "FAILED compactor " + e);
            }
        }, "crash-compactor");
        compactor.start();
    }

    private static void print(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
