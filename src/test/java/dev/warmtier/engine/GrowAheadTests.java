package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Growing the next chunk ahead: a write that reaches the second half of the last chunk has the
 * I/O thread add the next one, so the write that needs it finds it mapped. Not before the half,
 * one at a time, and never stuck: a grow-ahead that could not be handed over leaves the way open
 * for the next.
 */
class GrowAheadTests {

    private static final long CHUNK = 4096;

    @TempDir
    Path dir;
    private FileChannel channel;
    private final FileIo io = new FileIo("grow-ahead-tests");
    private MappedChunks chunks;

    @BeforeEach
    void open() throws IOException {
        channel = FileChannel.open(dir.resolve("file"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        chunks = new MappedChunks(dir.resolve("file"), channel, 0, ChunkSeries.fixed(CHUNK), FileExtender.ZERO_FILL,
                Forcer.MSYNC, io, true);
        chunks.ensure(0);
        io.serve();
    }

    @AfterEach
    void close() throws IOException {
        io.close();
        chunks.unmapAll();
        channel.close();
    }

    /** Waits until the I/O thread has run everything handed to it before now. */
    private void drainIo() throws IOException {
        io.call(() -> null);
    }

    @Test
    void aWriteBeforeTheHalfOfTheLastChunkGrowsNothing() throws IOException {
        chunks.growAhead(CHUNK / 2 - 1);
        drainIo();
        assertThat(chunks.count()).isEqualTo(1);
        assertThat(chunks.growths()).isEqualTo(1);
    }

    @Test
    void aWriteAtTheHalfOfTheLastChunkGrowsTheNextOneOnTheIoThread() throws IOException {
        chunks.growAhead(CHUNK / 2);
        drainIo();
        assertThat(chunks.count()).isEqualTo(2);
        assertThat(chunks.growths()).isEqualTo(2);

        // The next half grows the third, and a writer that needs it finds it there.
        chunks.growAhead(CHUNK + CHUNK / 2);
        drainIo();
        assertThat(chunks.count()).isEqualTo(3);
        chunks.ensure(2);
        assertThat(chunks.growths()).as("ensure found it mapped").isEqualTo(3);
        chunks.ensure(3);
        assertThat(chunks.count()).as("and the grow lock is free for a writer").isEqualTo(4);
    }

    @Test
    void aGrowAheadThatCouldNotBeHandedOverLeavesTheWayOpenForTheNext() throws IOException {
        io.close(); // closing: nothing is handed over
        chunks.growAhead(CHUNK - 8);
        assertThat(chunks.count()).isEqualTo(1);
        io.serve();
        chunks.growAhead(CHUNK - 8);
        await().atMost(Duration.ofSeconds(30)).until(() -> chunks.count() == 2);
    }

    @Test
    void aGrowAheadThatFindsTheGrowLockTakenGivesWayAndLaterOnesStillRun() throws Exception {
        // The I/O thread is held, a grow-ahead is queued, then a writer takes the grow lock and
        // queues its own growth behind it: the grow-ahead runs while the writer holds the lock.
        CountDownLatch release = new CountDownLatch(1);
        assertThat(io.submit(() -> awaitQuietly(release))).isTrue();
        chunks.growAhead(CHUNK / 2);
        Thread writer = new Thread(() -> chunks.ensure(1), "writer");
        writer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.getState() == Thread.State.WAITING);
        release.countDown();
        writer.join(TimeUnit.SECONDS.toMillis(30));
        drainIo();
        assertThat(chunks.count()).isEqualTo(2);

        chunks.growAhead(CHUNK + CHUNK / 2);
        drainIo();
        assertThat(chunks.count()).as("the grow-ahead that gave way left the way open").isEqualTo(3);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The content log grows ahead the same way, from its appends. */
    @Test
    void theContentLogGrowsAheadOnceAnAppendReachesTheHalfOfItsLastChunk(@TempDir Path logDir) throws IOException {
        StoreOptions options = TestStores.small().withGrowAhead(true);
        long chunk = options.contentChunks().max();
        ContentLog log = ContentLog.open(logDir, options, FileExtender.ZERO_FILL, io, 0, Optional::empty);
        try {
            log.recover(ContentLogTests.NONE_VOUCHED);
            byte[] id = "k".getBytes(StandardCharsets.UTF_8);
            byte[] content = new byte[1000];
            long length = ContentRecordLayout.recordLength(id.length, content.length);
            while (log.tail() + length < chunk / 2) {
                log.append(id, content, 0);
            }
            drainIo();
            assertThat(log.capacity()).as("below the half: only the first chunk").isEqualTo(chunk);
            log.append(id, content, 0);
            drainIo();
            assertThat(log.capacity()).as("at the half: the second chunk, grown ahead").isEqualTo(2 * chunk);
        } finally {
            log.close();
        }
    }
}
