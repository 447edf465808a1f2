package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes from several threads and prints every acknowledged operation; it is killed
 * with SIGKILL mid-stream. Reopening the directory must find every acknowledged write whole: for
 * each id, the state after the thread's last acknowledged operation, or, where that thread's next
 * operation (in flight at the kill) touched the id, the state after that one. Nothing torn,
 * nothing else. Several rounds on the same directory, each one checking all earlier rounds too.
 *
 * <p>The child also prints when it called the store for an operation, when the engine claimed a
 * slot for it and when it wrote the slot's payload, so the test knows which in-flight operations
 * were inside the engine at the kill, and how far. One whose payload write was not printed never reached the per-key publish step and must
 * have left nothing; the rounds together must have killed at least one operation inside the engine.
 */
@Tag("integration")
class KillDashNineTests {

    static final int THREADS = 4;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    /** Where each child's acknowledgements go; JUnit removes it like the data dir. */
    @TempDir
    Path ackDir;

    @Test
    void everyAcknowledgedWriteSurvivesSigkillWholeAcrossRounds() throws Exception {
        Map<String, String> settled = new HashMap<>(); // id -> content, or null when absent, from earlier rounds
        List<Integer> insideTheEngine = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> output = runAndKill(round);
            long[] lastAcked = lastAcked(output);
            Stage[] stages = new Stage[THREADS];
            for (int t = 0; t < THREADS; t++) {
                stages[t] = stage(output, t, lastAcked[t] + 1);
            }
            int inside = (int) Arrays.stream(stages).filter(stage -> stage != Stage.NOT_CALLED).count();
            insideTheEngine.add(inside);
            System.out.printf("round %d: in-flight ops inside the engine at the kill: %d of %d, per thread %s%n",
                    round, inside, THREADS, Arrays.toString(stages));
            try (MemoryStore store = MemoryStore.open(dir, TestStores.small())) {
                RecoveryReport recovery = store.recovery();
                System.out.printf("round %d: acked ops per thread %s; recovery %s%n", round,
                        Arrays.toString(lastAcked), recovery);
                assertThat(recovery.cleanStart()).as("a killed process leaves no clean mark").isFalse();

                List<String> problems = new ArrayList<>();
                for (Map.Entry<String, String> old : settled.entrySet()) {
                    String now = store.get(old.getKey()).map(StoredMemory::content).orElse(null);
                    if (!Objects.equals(old.getValue(), now)) {
                        problems.add("earlier round's " + old.getKey() + " changed");
                    }
                }
                for (int t = 0; t < THREADS; t++) {
                    checkThread(store, round, t, lastAcked[t], stages[t], problems, settled);
                }
                InvariantReport report = store.check();
                assertThat(problems).as("round %d, recovery %s", round, recovery).isEmpty();
                assertThat(report.violations()).as("%s", report).isZero();
                assertThat(Arrays.stream(lastAcked).min().orElse(-1)).as("fewest acknowledged ops of a writer").isGreaterThanOrEqualTo(50);
            }
        }
        System.out.printf("in-flight ops inside the engine at each kill: %s%n", insideTheEngine);
        assertThat(insideTheEngine.stream().mapToInt(Integer::intValue).sum())
                .as("in-flight ops inside the engine at the kills of all rounds %s", insideTheEngine).isPositive();
    }

    /** How far a thread's in-flight operation had got inside the engine, by the child's output. */
    enum Stage {
        /** The store call not begun: the thread was between its last acknowledgement and its next call. */
        NOT_CALLED,
        /** Inside the store call, no slot claimed yet (appending its content record, say). */
        CALLED,
        /** Its slot claimed; its payload write not printed, so the per-key publish step not reached. */
        SLOT_CLAIMED,
        /** Its payload written; the publish step may or may not have run. */
        PAYLOAD_WRITTEN
    }

    static Stage stage(List<String> output, int thread, long op) {
        String suffix = " " + thread + " " + op + " ";
        if (output.stream().anyMatch(line -> line.startsWith("USED" + suffix))) {
            return Stage.PAYLOAD_WRITTEN;
        }
        if (output.stream().anyMatch(line -> line.startsWith("CLAIM" + suffix))) {
            return Stage.SLOT_CLAIMED;
        }
        String call = "CALL " + thread + " " + op;
        return output.stream().anyMatch(line -> line.equals(call)) ? Stage.CALLED : Stage.NOT_CALLED;
    }

    /**
     * Compares each id of one thread with the acknowledged prefix and the one op that may have
     * followed: that op's effect is allowed only if its payload write was printed.
     */
    static void checkThread(MemoryStore store, int round, int thread, long lastAcked, Stage stage,
                                    List<String> problems, Map<String, String> settled) {
        Map<String, String> acked = new HashMap<>();
        for (long op = 0; op <= lastAcked; op++) {
            apply(acked, CrashWriter.operation(round, thread, op));
        }
        CrashWriter.Operation inFlight = CrashWriter.operation(round, thread, lastAcked + 1);
        Map<String, String> withInFlight = new HashMap<>(acked);
        apply(withInFlight, inFlight);
        for (int i = 0; i < CrashWriter.IDS_PER_THREAD; i++) {
            String id = "r" + round + "-w" + thread + "-" + i;
            StoredMemory stored;
            try {
                stored = store.get(id).orElse(null);
            } catch (CorruptionException e) {
                problems.add(id + ": " + e.getMessage());
                continue;
            }
            String actual = stored == null ? null : stored.content();
            String expected = acked.get(id);
            boolean mayHaveTakenEffect = stage == Stage.PAYLOAD_WRITTEN;
            boolean ok = Objects.equals(actual, expected) || (mayHaveTakenEffect && inFlight.id().equals(id)
                    && Objects.equals(actual, withInFlight.get(id)));
            if (!ok) {
                problems.add(id + ": expected " + describe(expected) + (mayHaveTakenEffect ? " (or in-flight "
                        + describe(withInFlight.get(id)) + ")" : " (in-flight op " + (lastAcked + 1) + " was " + stage
                        + ")") + ", found " + describe(actual));
            }
            settled.put(id, actual);
        }
    }

    private static void apply(Map<String, String> state, CrashWriter.Operation op) {
        if (op.delete()) {
            state.remove(op.id());
        } else {
            state.put(op.id(), op.content());
        }
    }

    private static String describe(String content) {
        return content == null ? "absent" : "'" + content.substring(0, Math.min(24, content.length())) + "…' ("
                + content.length() + " chars)";
    }

    /** Runs one child until every thread has acknowledged a few hundred ops, then SIGKILLs it; answers its output. */
    private List<String> runAndKill(int round) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Acks go to a file, not a pipe: what the child wrote before the kill is all there, and no
        // reader thread races the JDK's reaper for the pipe.
        Path acks = ackDir.resolve("acks-" + round + ".txt");
        Process child = new ProcessBuilder(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), dir.toString(), String.valueOf(round), String.valueOf(THREADS))
                .redirectOutput(acks.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !child.isAlive() || Arrays.stream(lastAcked(completeLines(acks))).allMatch(n -> n >= 300));
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close, no flush
        }
        assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        List<String> lines = completeLines(acks);
        assertThat(lines).as("child output").noneMatch(line -> line.startsWith("FAILED"));
        return lines;
    }

    /** The child's output lines so far; a torn last line (the kill cut it) is left out. */
    static List<String> completeLines(Path acks) throws IOException {
        if (!Files.exists(acks)) {
            return List.of();
        }
        String text = Files.readString(acks, StandardCharsets.UTF_8);
        return List.of(text.substring(0, text.lastIndexOf('\n') + 1).split("\n"));
    }

    /** Per thread, the highest op acknowledged in the output (-1 for none). */
    static long[] lastAcked(List<String> output) {
        long[] last = new long[THREADS];
        Arrays.fill(last, -1);
        for (String line : output) {
            String[] parts = line.split(" ");
            if (parts.length == 3 && parts[0].equals("ACK")) {
                int thread = Integer.parseInt(parts[1]);
                last[thread] = Math.max(last[thread], Long.parseLong(parts[2]));
            }
        }
        return last;
    }
}
