package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes from four threads while a fifth compacts the store in a loop; it is killed
 * with SIGKILL at each named phase of a compaction (before the copy, during it, under the pause,
 * just before and just after the rename of CURRENT, after the switch, during the cleanup) and at
 * random moments. Each reopen must find every acknowledged write exactly once, whole (the checks of
 * {@link KillDashNineTests}: no resurrected delete, no older version winning), the earlier rounds'
 * data unchanged, one generation on disk, the one CURRENT names, and a clean invariant report.
 */
@Tag("integration")
class CompactionKillTests {

    private static final int THREADS = KillDashNineTests.THREADS;
    private static final int RANDOM_ROUNDS = 3;

    @TempDir
    Path dir;

    @TempDir
    Path ackDir;

    @Test
    void everyAcknowledgedWriteSurvivesSigkillAtEveryPhaseOfACompaction() throws Exception {
        List<String> targets = new ArrayList<>();
        for (Compactor.Phase phase : Compactor.Phase.values()) {
            targets.add(phase.name());
        }
        for (int i = 0; i < RANDOM_ROUNDS; i++) {
            targets.add("RANDOM");
        }
        Random random = new Random(20261201L);
        Map<String, String> settled = new HashMap<>();
        long generation = 0;
        for (int round = 0; round < targets.size(); round++) {
            String target = targets.get(round);
            List<String> output = runAndKill(round, target, random);
            long[] lastAcked = KillDashNineTests.lastAcked(output);
            long compacted = output.stream().filter(line -> line.startsWith("COMPACTED ")).count();
            long lastCompacted = output.stream().filter(line -> line.startsWith("COMPACTED "))
                    .mapToLong(line -> Long.parseLong(line.split(" ")[1])).max().orElse(generation);
            long stoppedIn = output.stream().filter(line -> line.startsWith("AT "))
                    .mapToLong(line -> Long.parseLong(line.split(" ")[2])).findFirst().orElse(-1);
            // Killed before the rename: the generation before the stopped one stays current; at or after it, the new one.
            long expected = stoppedIn < 0 ? -1 : switched(target) ? stoppedIn : stoppedIn - 1;
            try (MemoryStore store = MemoryStore.open(dir, TestStores.small())) {
                long current = Generation.current(dir);
                System.out.printf("round %d (%s): acked %s, compactions %d, generation %d, recovery %s%n", round,
                        target, Arrays.toString(lastAcked), compacted, current, store.recovery());
                if (expected >= 0) {
                    assertThat(current).as("CURRENT after a kill at %s of generation %d", target, stoppedIn)
                            .isEqualTo(expected);
                } else {
                    assertThat(current).as("CURRENT after a random kill").isBetween(lastCompacted, lastCompacted + 1);
                }
                assertThat(generationsOnDisk()).as("generations on disk after open").containsExactly(current);
                assertThat(store.recovery().generation()).isEqualTo(current);
                if (expected >= 0) {
                    // Killed after the new generation's files were made, one generation is left over: the
                    // half-made new one before the switch, the replaced old one after it.
                    assertThat(store.recovery().generationsDeleted()).as("generations the open deleted")
                            .isEqualTo(target.equals("STARTED") ? 0 : 1);
                }
                List<String> problems = new ArrayList<>();
                for (Map.Entry<String, String> old : settled.entrySet()) {
                    String now = store.get(old.getKey()).map(StoredMemory::content).orElse(null);
                    if (!Objects.equals(old.getValue(), now)) {
                        problems.add("earlier round's " + old.getKey() + " changed");
                    }
                }
                for (int t = 0; t < THREADS; t++) {
                    KillDashNineTests.checkThread(store, round, t, lastAcked[t],
                            KillDashNineTests.stage(output, t, lastAcked[t] + 1), problems, settled);
                }
                InvariantReport report = store.check();
                assertThat(problems).as("round %d (%s), recovery %s", round, target, store.recovery()).isEmpty();
                assertThat(report.violations()).as("%s", report).isZero();
                assertThat(compacted).as("compactions finished before the kill").isPositive();
                generation = current;
            }
        }
    }

    /** Whether a kill at {@code target} comes after CURRENT was renamed to name the new generation. */
    private static boolean switched(String target) {
        Compactor.Phase phase = Compactor.Phase.valueOf(target);
        return phase.compareTo(Compactor.Phase.SWITCHED) >= 0;
    }

    /** The generations whose files are in the store directory: 0 for the top-level files, n for gen-n/. */
    private List<Long> generationsOnDisk() throws IOException {
        List<Long> found = new ArrayList<>();
        if (Files.exists(dir.resolve(SlotFile.FILE_NAME)) || Files.exists(dir.resolve(ContentLog.FILE_NAME))) {
            found.add(0L);
        }
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("gen-"))
                    .map(name -> Long.parseLong(name.substring(4))).sorted().forEach(found::add);
        }
        return found;
    }

    /**
     * Runs one child until the compactor is where {@code target} says (stopped at a phase, with 50
     * more writes per writer acknowledged meanwhile unless the phase pauses them; or, for RANDOM,
     * two compactions finished and then 0 to 400 more acknowledgements per writer while
     * compactions go on looping), then SIGKILLs it.
     */
    private List<String> runAndKill(int round, String target, Random seeds) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path acks = ackDir.resolve("acks-" + round + ".txt");
        Process child = new ProcessBuilder(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashCompactor.class.getName(), dir.toString(), String.valueOf(round), String.valueOf(THREADS), target)
                .redirectOutput(acks.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        boolean pauses = !target.equals("RANDOM") && Compactor.Phase.valueOf(target).compareTo(Compactor.Phase.PAUSED) >= 0
                && Compactor.Phase.valueOf(target).compareTo(Compactor.Phase.SWITCHED) <= 0;
        boolean random = target.equals("RANDOM");
        long more = random ? seeds.nextInt(400) : pauses ? 0 : 50;
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> {
                if (!child.isAlive()) {
                    return true;
                }
                List<String> lines = KillDashNineTests.completeLines(acks);
                // From the AT line, or for RANDOM from the second finished compaction, on.
                int at = -1;
                int compactions = 0;
                for (int i = 0; i < lines.size() && at < 0; i++) {
                    compactions += lines.get(i).startsWith("COMPACTED ") ? 1 : 0;
                    at = (random ? compactions == 2 : lines.get(i).startsWith("AT ")) ? i : -1;
                }
                if (at < 0) {
                    return false;
                }
                long[] acked = KillDashNineTests.lastAcked(lines);
                long[] before = KillDashNineTests.lastAcked(lines.subList(0, at));
                return Arrays.stream(acked).allMatch(n -> n >= 0)
                        && IntStream.range(0, THREADS).allMatch(t -> acked[t] >= before[t] + more);
            });
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        List<String> lines = KillDashNineTests.completeLines(acks);
        assertThat(lines).as("child output").noneMatch(line -> line.startsWith("FAILED"));
        return lines;
    }
}
