package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentLogTests {

    private static final int CHUNK = TestStores.SMALL_CONTENT_CHUNK;

    @TempDir
    Path dir;
    ContentLog log;
    FileIo io;

    /** Recovery with no slot vouching for any record. */
    static final ContentLog.VouchedRecords NONE_VOUCHED =
            from -> new ContentLog.VouchedRecords.Batch(new long[0], new int[0], true);

    @BeforeEach
    void open() {
        io = new FileIo("content-log-test");
        log = ContentLog.open(dir, TestStores.small(), FileExtender.ZERO_FILL, io, 0, Optional::empty);
        log.recover(NONE_VOUCHED);
    }

    @AfterEach
    void close() {
        log.close();
        io.close();
    }

    /** An appended record: where it went and what it holds. */
    private record Appended(long offset, int length, String id, String content) {
    }

    @Test
    void concurrentAppendsGetDisjointRangesThatNeverStraddleAChunk() throws Exception {
        int threads = 6;
        int perThread = 150;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Appended> all = new ArrayList<>();
        try {
            List<Future<List<Appended>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Appended> mine = new ArrayList<>();
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String id = "t" + thread + "-" + i;
                        String content = TestStores.text(id, (i * 7919 + thread * 104_729) % 20_000);
                        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
                        byte[] contentBytes = content.getBytes(StandardCharsets.UTF_8);
                        long offset = log.append(idBytes, contentBytes, 0);
                        mine.add(new Appended(offset, ContentRecordLayout.recordLength(idBytes.length,
                                contentBytes.length), id, content));
                    }
                    return mine;
                }));
            }
            for (Future<List<Appended>> f : futures) {
                all.addAll(f.get(1, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
        all.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        for (int i = 0; i < all.size(); i++) {
            Appended a = all.get(i);
            assertThat(a.offset() / CHUNK).as("%s straddles a chunk", a).isEqualTo((a.offset() + a.length() - 1) / CHUNK);
            if (i > 0) {
                Appended before = all.get(i - 1);
                assertThat(a.offset()).as("%s overlaps %s", a, before).isGreaterThanOrEqualTo(before.offset() + before.length());
            }
            ContentLog.Entry entry = log.read(a.offset(), a.length());
            assertThat(new String(entry.id(), StandardCharsets.UTF_8)).isEqualTo(a.id());
            assertThat(new String(entry.content(), StandardCharsets.UTF_8)).isEqualTo(a.content());
        }
        ContentLog.Scan scan = log.scan(new PacedWork(CheckPace.UNPACED));
        assertThat(scan.records()).isEqualTo(threads * perThread);
        assertThat(scan.checksumFailures()).isZero();
        assertThat(scan.mismatchBytes()).isZero();
        assertThat(log.capacity()).isGreaterThan(4L * CHUNK);
    }

    /** A record, or a record and its headroom, that ends exactly at a chunk's end needs no further chunk. */
    @Test
    void aRecordOrItsHeadroomEndingExactlyAtAChunksEndTakesNoFurtherChunk() {
        byte[] id = "k".getBytes(StandardCharsets.UTF_8);
        byte[] whole = new byte[CHUNK - ContentRecordLayout.RECORD_HEADER_BYTES - id.length];
        assertThat(ContentRecordLayout.recordLength(id.length, whole.length)).isEqualTo(CHUNK);
        log.append(id, whole, 0);
        assertThat(log.capacity()).as("a record of exactly one chunk").isEqualTo(CHUNK);

        byte[] small = new byte[100];
        int length = ContentRecordLayout.recordLength(id.length, small.length);
        log.append(id, small, CHUNK - length);
        assertThat(log.capacity()).as("a record and a headroom that fill the second chunk exactly")
                .isEqualTo(2L * CHUNK);
        log.append(id, small, CHUNK - 2 * length + ContentRecordLayout.ALIGNMENT);
        assertThat(log.capacity()).as("a headroom one alignment unit longer needs the third chunk")
                .isEqualTo(3L * CHUNK);
    }

    @Test
    void readingARangeThatIsNotACommittedRecordFailsClearly() {
        long offset = log.append("id".getBytes(StandardCharsets.UTF_8), "content".getBytes(StandardCharsets.UTF_8), 0);
        int length = ContentRecordLayout.recordLength(2, 7);
        assertThatThrownBy(() -> log.read(offset, length + 8)).isInstanceOf(CorruptionException.class);
        assertThatThrownBy(() -> log.read(offset + length, length)).isInstanceOf(CorruptionException.class);
        assertThatThrownBy(() -> log.read(10L * CHUNK, length)).hasMessageContaining("outside the log");
    }

    @Test
    void recoveryFindsTheTailAgain() {
        log.append("a".getBytes(StandardCharsets.UTF_8), new byte[100], 0);
        log.append("b".getBytes(StandardCharsets.UTF_8), new byte[CHUNK - 200], 0); // padded into chunk 1
        long tail = log.tail();
        log.close();
        log = ContentLog.open(dir, TestStores.small(), FileExtender.ZERO_FILL, io, 0, Optional::empty);
        ContentLog.Recovery recovery = log.recover(NONE_VOUCHED);
        assertThat(recovery.tail()).isEqualTo(tail);
        assertThat(recovery.truncatedBytes()).isZero();
        assertThat(recovery.invalidRecordOffset()).isEqualTo(-1);
    }
}
