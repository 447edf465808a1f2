package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupt of a caller (a request timeout, a cancelled future) never closes a shared file
 * channel: the interrupted operation finishes, its thread still has its interrupt flag, and every
 * later growth and ceiling raise works. Without the I/O thread, the interrupted writer's own
 * {@code FileChannel.write} would close the channel for everyone. And a close that fails (a file
 * that cannot be forced, a mark that cannot be written) still releases every file and the lock.
 */
class InterruptAndCloseTests {

    @TempDir
    Path dir;

    /** What a writer thread saw: the result or failure of its put, and its interrupt flag after it. */
    private record Outcome(PutResult result, Throwable failure, boolean interruptedAfter) {
    }

    private static Thread writer(MemoryStore store, String id, AtomicReference<Outcome> outcome) {
        return new Thread(() -> {
            try {
                PutResult result = store.put(id, MemoryWrite.of("written while interrupted"));
                outcome.set(new Outcome(result, null, Thread.currentThread().isInterrupted()));
            } catch (Throwable e) {
                outcome.set(new Outcome(null, e, Thread.currentThread().isInterrupted()));
            }
        }, "writer-" + id);
    }

    @Test
    void aWriterInterruptedInTheMiddleOfGrowthFinishesAndLaterGrowthWorks() throws Exception {
        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch extending = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FileExtender disk = (channel, from, to) -> {
            if (armed.compareAndSet(true, false)) {
                extending.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS); // the I/O thread's wait; nothing interrupts it
                } catch (InterruptedException e) {
                    throw new InterruptedIOException("the I/O thread was interrupted");
                }
                // Writes on the shared channel after the caller was interrupted, as the zero-fill would.
            }
            FileExtender.ZERO_FILL.extend(channel, from, to);
        };
        try (MemoryStore store = MemoryStore.open(dir, TestStores.small(), disk, Clock.systemUTC())) {
            store.put("fill-0", MemoryWrite.of("fills the chunk"));
            long capacity = store.stats().slotCapacity();
            // Fills until the next write needs the next chunk; that one blocks in the extender, on the I/O thread.
            for (int i = 1; store.stats().slotsAllocated() + SlotAppender.DELETE_HEADROOM < capacity; i++) {
                store.put("fill-" + i, MemoryWrite.of("fills the chunk"));
            }
            armed.set(true);
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            Thread blocked = writer(store, "grower", outcome);
            blocked.start();
            assertThat(extending.await(30, TimeUnit.SECONDS)).as("the growth reached the extender").isTrue();
            // While it waits for the I/O thread the writer's flag is taken into its wait; it gets
            // it back when the growth is done, whichever of the two comes first.
            blocked.interrupt();
            release.countDown();
            blocked.join(TimeUnit.SECONDS.toMillis(30));

            Outcome grown = outcome.get();
            assertThat(grown).as("the interrupted writer finished").isNotNull();
            assertThat(grown.failure()).as("its put did not fail").isNull();
            assertThat(grown.result().status()).isEqualTo(PutResult.Status.CREATED);
            assertThat(grown.interruptedAfter()).as("its interrupt flag is kept").isTrue();
            // The channel is open: many more growths succeed, for other threads and this one.
            for (int more = 0; more < 100; more++) {
                store.put("after-" + more, MemoryWrite.of("growth still works " + more));
            }
            assertThat(store.stats().slotCapacity()).isGreaterThan(capacity + 64);
            assertThat(store.get("grower").orElseThrow().content()).isEqualTo("written while interrupted");
            assertThat(store.check().violations()).isZero();
        }
        try (MemoryStore store = MemoryStore.open(dir, TestStores.small())) {
            assertThat(store.recovery().cleanStart()).isTrue();
            assertThat(store.get("after-99")).isPresent();
        }
    }

    @Test
    void aWriterInterruptedWhileItsVersionCeilingRaiseWaitsFinishesAndLaterRaisesWork() throws Exception {
        try (MemoryStore store = TestStores.open(dir, 10)) {
            for (int i = 1; i <= 10; i++) {
                store.put("k" + i, MemoryWrite.of("v" + i)); // versions 1..10: the ceiling is 10
            }
            VersionCeiling ceiling = store.versionCeiling();
            assertThat(ceiling.durable()).isEqualTo(10);
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            Thread raiser = writer(store, "raiser", outcome);
            ceiling.whileRaisesHeld(() -> {
                raiser.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> ceiling.waitingToRaise() == 1);
                raiser.interrupt(); // the lock's wait keeps the flag, and sets it again once acquired
            });
            raiser.join(TimeUnit.SECONDS.toMillis(30));

            Outcome raised = outcome.get();
            assertThat(raised).as("the interrupted writer finished").isNotNull();
            assertThat(raised.failure()).as("its put did not fail").isNull();
            assertThat(raised.result().memory().version()).isEqualTo(11);
            assertThat(raised.interruptedAfter()).as("its interrupt flag is kept").isTrue();
            assertThat(ceiling.durable()).isEqualTo(20);
            for (int i = 0; i < 25; i++) {
                store.put("later-" + i, MemoryWrite.of("raises still work"));
            }
            assertThat(ceiling.durable()).as("three more raises").isEqualTo(40);
        }
    }

    @Test
    void closeOnAnInterruptedThreadStillWritesTheCleanShutdownMarkAndKeepsTheFlag() throws Exception {
        MemoryStore store = MemoryStore.open(dir, TestStores.small()
                .withDurability(Durability.INTERVAL, Duration.ofMillis(5)));
        for (int i = 0; i < 50; i++) {
            store.put("k" + i, MemoryWrite.of("v" + i));
        }
        Thread.currentThread().interrupt();
        try {
            store.close();
            assertThat(Thread.currentThread().isInterrupted()).as("close keeps the caller's interrupt flag").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(dir.resolve(CleanShutdown.FILE_NAME)).isRegularFile();
        try (MemoryStore again = MemoryStore.open(dir, TestStores.small())) {
            assertThat(again.recovery().cleanStart()).as("%s", again.recovery()).isTrue();
            assertThat(again.stats().slotsLive()).isEqualTo(50);
        }
    }

    @Test
    void aCloseThatFailsStillReleasesEveryFileAndTheLock() throws Exception {
        MemoryStore store = MemoryStore.open(dir, TestStores.small());
        store.put("kept", MemoryWrite.of("acknowledged before the failed close"));
        // A directory where the mark's temporary file must go: writing the mark fails.
        Files.createDirectories(dir.resolve(CleanShutdown.FILE_NAME + ".tmp").resolve("in-the-way"));
        Assertions.assertThatThrownBy(store::close).isInstanceOf(RuntimeException.class);
        assertThat(mappedOrOpen(dir)).as("mappings and descriptors of the store's files after the failed close")
                .isEmpty();
        try (var tmp = Files.walk(dir.resolve(CleanShutdown.FILE_NAME + ".tmp"))) {
            for (Path p : tmp.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        try (MemoryStore again = MemoryStore.open(dir, TestStores.small())) {
            assertThat(again.recovery().cleanStart()).as("no mark: the open scans").isFalse();
            assertThat(again.get("kept")).isPresent();
        }
    }

    @Test
    void aFileWhoseForceFailsAtCloseIsStillUnmappedAndClosed() throws Exception {
        FileIo io = new FileIo("close-test");
        HeaderedFile file = HeaderedFile.open(dir.resolve("data"), 4096, FileExtender.ZERO_FILL, Forcer.MSYNC,
                header -> header.putInt(0, 1), Optional::empty);
        MappedChunks chunks = new MappedChunks(file.path, file.channel, 4096, new ChunkSeries(4096, 1),
                FileExtender.ZERO_FILL, Forcer.MSYNC, io, false);
        chunks.ensure(2);
        // A chunk unmapped behind the file's back: forcing it fails (msync: not mapped), as a
        // device error would; nothing reads or writes it.
        MappedChunks.Unmapper.unmap(chunks.chunk(1).buffer);
        Assertions.assertThatThrownBy(() -> file.close(chunks))
                .isInstanceOf(RuntimeException.class);
        assertThat(mappedOrOpen(dir)).as("mappings and descriptors of the file after its failed close").isEmpty();
        io.close();
    }

    /** Lines of /proc/self/maps and links in /proc/self/fd that name a file in {@code dir}. */
    static List<String> mappedOrOpen(Path dir) throws Exception {
        String prefix = dir.toRealPath().toString() + "/";
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.contains(prefix)) {
                found.add("mapped: " + line);
            }
        }
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix)) {
                        found.add("open: " + target);
                    }
                } catch (IOException gone) {
                    // the descriptor closed while listing
                }
            }
        }
        return found;
    }
}
