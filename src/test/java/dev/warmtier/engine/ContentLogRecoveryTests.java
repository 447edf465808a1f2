package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Content-log recovery on logs built byte by byte: which records it walks over, which it turns into
 * padding, where it bridges a hole to a record a slot vouches for, where the log ends, and that
 * everything after the end is zeroed and counted.
 */
class ContentLogRecoveryTests {

    /** The content chunk of {@link TestStores#small()}: fixed chunks of this many bytes. */
    private static final int CHUNK = 128 * 1024;

    @TempDir
    Path root;
    /** The log's directory: {@link #root}, or one below it per case of a test. */
    private Path dir;
    private final FileIo io = new FileIo("content-log-recovery-tests");
    private ContentLog log;

    @BeforeEach
    void useRoot() {
        dir = root;
    }

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
        io.close();
    }

    private Path file() {
        return dir.resolve(ContentLog.FILE_NAME);
    }

    private ContentLog openLog() {
        log = ContentLog.open(dir, TestStores.small(), FileExtender.ZERO_FILL, io, 0, Optional::empty);
        return log;
    }

    /** A new log of {@code chunks} zeroed chunks, closed, to be written byte by byte. */
    private void newLog(int chunks) {
        openLog().ensureCapacity((long) chunks * CHUNK);
        log.close();
        log = null;
    }

    /** A committed record as it lies in the log. */
    private static byte[] committed(String id, String content) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] contentBytes = content.getBytes(StandardCharsets.UTF_8);
        ByteBuffer record = ByteBuffer.allocate(ContentRecordLayout.recordLength(idBytes.length, contentBytes.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        ContentRecordLayout.length(record, 0, record.capacity());
        ContentRecordLayout.writePayload(record, 0, idBytes, contentBytes);
        ContentRecordLayout.stateOrdered(record, 0, ContentRecordLayout.STATE_COMMITTED);
        return record.array();
    }

    /** A record header alone: a length and a state. */
    private static byte[] header(int length, int state) {
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0, length).putInt(4, state);
        return header.array();
    }

    private void write(long offset, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), ContentRecordLayout.HEADER_BYTES + offset);
        }
    }

    private byte[] read(long offset, int length) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(file(), StandardOpenOption.READ)) {
            channel.read(bytes, ContentRecordLayout.HEADER_BYTES + offset);
        }
        return bytes.array();
    }

    /** Lays {@code records} end to end from {@code offset}; answers each one's offset. */
    private long[] layOut(long offset, byte[]... records) throws IOException {
        long[] offsets = new long[records.length];
        long at = offset;
        for (int i = 0; i < records.length; i++) {
            write(at, records[i]);
            offsets[i] = at;
            at += records[i].length;
        }
        return offsets;
    }

    private String contentAt(long offset, int length) {
        return new String(log.read(offset, length).content(), StandardCharsets.UTF_8);
    }

    /** Slots vouching for {@code offsets}, handed out {@code batchSize} at a time as the store's scan does. */
    private static ContentLog.VouchedRecords vouching(int batchSize, long[] offsets, int[] lengths) {
        return from -> {
            List<Integer> above = new ArrayList<>();
            for (int i = 0; i < offsets.length; i++) {
                if (offsets[i] > from) {
                    above.add(i);
                }
            }
            above.sort((a, b) -> Long.compare(offsets[a], offsets[b]));
            List<Integer> batch = above.subList(0, Math.min(batchSize, above.size()));
            return new ContentLog.VouchedRecords.Batch(batch.stream().mapToLong(i -> offsets[i]).toArray(),
                    batch.stream().mapToInt(i -> lengths[i]).toArray(), batch.size() == above.size());
        };
    }

    @Test
    void aReservationWhoseWriterDiedBecomesDurablePaddingAndTheRecordsAfterItStay() throws IOException {
        newLog(1);
        byte[] a = committed("a", "first");
        byte[] b = committed("b", "second, never committed");
        byte[] c = committed("c", "third");
        long[] at = layOut(0, a, b, c);
        write(at[1], header(b.length, ContentRecordLayout.STATE_RESERVED));

        ContentLog.Recovery recovery = openLog().recover(ContentLogTests.NONE_VOUCHED);

        assertThat(recovery).isEqualTo(new ContentLog.Recovery(at[2] + c.length, 1, 0, 0, -1));
        assertThat(log.dirtyChunks()).as("the repair is forced with the next flush").isEqualTo(1);
        assertThat(contentAt(at[0], a.length)).isEqualTo("first");
        assertThat(contentAt(at[2], c.length)).isEqualTo("third");
        log.close();
        log = null;
        assertThat(ByteBuffer.wrap(read(at[1], 8)).order(ByteOrder.LITTLE_ENDIAN).getInt(4))
                .isEqualTo(ContentRecordLayout.STATE_PADDING);
    }

    @Test
    void aPaddingRecordOfOneWordIsWalkedOver() throws IOException {
        newLog(1);
        byte[] a = committed("a", "after eight bytes of padding");
        write(0, header(8, ContentRecordLayout.STATE_PADDING));
        layOut(8, a);

        ContentLog.Recovery recovery = openLog().recover(ContentLogTests.NONE_VOUCHED);

        assertThat(recovery).isEqualTo(new ContentLog.Recovery(8 + a.length, 0, 0, 0, -1));
        assertThat(contentAt(8, a.length)).isEqualTo("after eight bytes of padding");
    }

    @Test
    void aLengthThatRunsPastItsChunkEndsTheLog() throws IOException {
        newLog(2);
        byte[] a = committed("a", "kept");
        byte[] b = committed("b", "past the damage");
        layOut(0, a);
        write(a.length, header(CHUNK, ContentRecordLayout.STATE_PADDING)); // CHUNK - a.length bytes are left
        layOut(CHUNK, b);

        ContentLog.Recovery recovery = openLog().recover(ContentLogTests.NONE_VOUCHED);

        assertThat(recovery.tail()).isEqualTo(a.length);
        assertThat(recovery.invalidRecordOffset()).isEqualTo(a.length);
        assertThat(recovery.truncatedBytes()).isEqualTo(CHUNK + b.length - a.length);
    }

    @Test
    void everythingPastTheEndIsZeroedAndTheSpanCounted() throws IOException {
        newLog(2);
        byte[] a = committed("a", "the last record");
        layOut(0, a);
        byte[] junk = {1, 2, 3, 4, 5, 6, 7, 8};
        write(a.length + 16, junk);
        write(CHUNK + 1000, junk); // in the next chunk, as a torn later write would leave it

        ContentLog.Recovery recovery = openLog().recover(ContentLogTests.NONE_VOUCHED);

        assertThat(recovery).as("a zero header ends the log without an invalid record")
                .isEqualTo(new ContentLog.Recovery(a.length, 0, CHUNK + 1000 + 8 - a.length, 0, -1));
        assertThat(log.dirtyChunks()).isEqualTo(2);
        log.close();
        log = null;
        assertThat(read(a.length, 2 * CHUNK - a.length)).as("nothing left to mistake for data")
                .containsOnly(0);
    }

    @Test
    void holesAreBridgedToTheVouchedRecordsPastThemWhateverTheBatchSize() throws IOException {
        byte[][] records = new byte[10][];
        for (int i = 0; i < records.length; i++) {
            records[i] = committed("id-" + i, "content " + i + " ".repeat(i * 13));
        }
        int[] lengths = Arrays.stream(records).mapToInt(r -> r.length).toArray();
        for (int batchSize : new int[] {1, 2, 3, 100}) {
            dir = Files.createDirectory(root.resolve("batch-" + batchSize));
            newLog(1);
            long[] at = layOut(0, records);
            // Pages a power loss kept from the disk: a lone hole, two holes in a row, and a vouched
            // record that is itself lost.
            write(at[1], new byte[lengths[1]]);
            write(at[4], new byte[lengths[4]]);
            write(at[5], new byte[lengths[5]]);
            long end = at[9] + lengths[9];

            ContentLog.Recovery recovery = openLog().recover(vouching(batchSize, at, lengths));

            assertThat(recovery).as("batch size " + batchSize)
                    .isEqualTo(new ContentLog.Recovery(end, 0, 0, lengths[1] + lengths[4] + lengths[5], -1));
            for (int i : new int[] {0, 2, 3, 6, 7, 8, 9}) {
                assertThat(contentAt(at[i], lengths[i])).startsWith("content " + i);
            }
            assertThatThrownBy(() -> log.read(at[4], lengths[4])).isInstanceOf(CorruptionException.class);
            assertThat(log.dirtyChunks()).as("the padding over the holes is forced with the next flush").isEqualTo(1);
            log.close();
            log = null;
        }
    }

    @Test
    void aHoleBeforeOnlyLostOrUnmappedVouchedRecordsEndsTheLogThere() throws IOException {
        newLog(1);
        byte[] a = committed("a", "kept");
        byte[] b = committed("b", "lost");
        long[] at = layOut(0, a, b);
        write(at[1], header(7, 0)); // an implausible header
        // One vouched record is the damaged one, one lies past the mapped chunks.
        ContentLog.VouchedRecords vouched = vouching(1, new long[] {at[1], CHUNK}, new int[] {b.length, 64});

        ContentLog.Recovery recovery = openLog().recover(vouched);

        assertThat(recovery.tail()).isEqualTo(at[1]);
        assertThat(recovery.invalidRecordOffset()).isEqualTo(at[1]);
        assertThat(recovery.bridgedBytes()).isZero();
    }

    @Test
    void aCleanTailMayBeAnyAlignedOffsetUpToTheCapacity() {
        newLog(1);
        openLog();
        log.restoreTail(CHUNK);
        assertThat(log.tail()).isEqualTo(CHUNK);
        log.restoreTail(0);
        assertThat(log.tail()).isZero();
        for (long bad : new long[] {-8, CHUNK + 8, 12}) {
            assertThatThrownBy(() -> log.restoreTail(bad)).as("tail " + bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void recordsAreLittleEndianOnDisk() throws IOException {
        byte[] id = "k".getBytes(StandardCharsets.UTF_8);
        byte[] content = "little".getBytes(StandardCharsets.UTF_8);
        long at = openLog().append(id, content, 0);
        log.close();
        log = null;
        assertThat(read(at, ContentRecordLayout.recordLength(id.length, content.length)))
                .isEqualTo(committed("k", "little"));
    }

    @Test
    void aRecordEndingExactlyAtTheLastMappedByteIsReadAndScanned() throws IOException {
        newLog(1);
        byte[] last = committed("end", "ends at the chunk's last byte");
        long at = CHUNK - last.length;
        write(0, header((int) at, ContentRecordLayout.STATE_PADDING));
        layOut(at, last);

        ContentLog.Recovery recovery = openLog().recover(ContentLogTests.NONE_VOUCHED);

        assertThat(recovery.tail()).isEqualTo(CHUNK).isEqualTo(log.capacity());
        assertThat(contentAt(at, last.length)).isEqualTo("ends at the chunk's last byte");
        ContentLog.Scan scan = log.scan(new PacedWork(CheckPace.UNPACED));
        assertThat(scan.records()).isEqualTo(1);
        assertThat(scan.mismatchBytes()).isZero();
        assertThatThrownBy(() -> log.read(CHUNK, last.length)).as("the first byte past the mapped chunks")
                .isInstanceOf(CorruptionException.class).hasMessageContaining("outside the log");
    }

    @Test
    void aDamagedFirstWordIsTheWholeOfWhatIsTruncated() throws IOException {
        newLog(1);
        write(0, header(7, 0));

        ContentLog.Recovery recovery = openLog().recover(ContentLogTests.NONE_VOUCHED);

        assertThat(recovery).isEqualTo(new ContentLog.Recovery(0, 0, 8, 0, 0));
    }
}
