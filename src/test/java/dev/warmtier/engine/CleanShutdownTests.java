package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clean-shutdown mark lets an open skip the scan, so it must be trusted only when it is whole:
 * the magic, format, counts, checksum and the end of the file are each checked. The marks here are
 * built byte by byte, the way a torn write or a stray edit would leave them.
 */
class CleanShutdownTests {

    @TempDir
    Path dir;

    private static final int MAGIC = 0x5343_5457;

    @Test
    void aWrittenMarkReadsBackAsTheSameSnapshot() {
        CleanShutdown.Snapshot snapshot = new CleanShutdown.Snapshot(8, 96, 5, 4096, 42, new long[] {1, 2, 3, 4},
                List.of(Map.entry("a", new IndexEntry(0, 40, false, 128)),
                        Map.entry("é-b", new IndexEntry(3, 42, true, 64))));
        CleanShutdown.write(dir, snapshot, Forcer.MSYNC);

        assertThat(dir.resolve(CleanShutdown.FILE_NAME + ".tmp")).doesNotExist();
        CleanShutdown.Snapshot read = CleanShutdown.read(dir).orElseThrow();
        assertThat(read.dimension()).isEqualTo(8);
        assertThat(read.slotSize()).isEqualTo(96);
        assertThat(read.nextSlot()).isEqualTo(5);
        assertThat(read.contentTail()).isEqualTo(4096);
        assertThat(read.lastVersion()).isEqualTo(42);
        assertThat(read.fileStamps()).containsExactly(1, 2, 3, 4);
        assertThat(read.entries()).containsExactlyElementsOf(snapshot.entries());
    }

    @Test
    void aMarkWithNoStampsAndNoEntriesIsWhole() throws IOException {
        writeMark(mark(0, 0, false));

        CleanShutdown.Snapshot read = CleanShutdown.read(dir).orElseThrow();
        assertThat(read.fileStamps()).isEmpty();
        assertThat(read.entries()).isEmpty();
    }

    @Test
    void sixteenStampsAreAcceptedAndSeventeenAreNot() throws IOException {
        writeMark(mark(16, 0, false));
        assertThat(CleanShutdown.read(dir)).get().extracting(s -> s.fileStamps().length).isEqualTo(16);

        writeMark(mark(17, 0, false));
        assertThat(CleanShutdown.read(dir)).as("a stamp count no close writes").isEmpty();
    }

    @Test
    void aNegativeStampOrEntryCountIsNotTrusted() throws IOException {
        writeMark(mark(-1, 0, false));
        assertThat(CleanShutdown.read(dir)).isEmpty();

        writeMark(mark(0, -1, false));
        assertThat(CleanShutdown.read(dir)).isEmpty();
    }

    @Test
    void aWrongMagicOrFormatIsNotTrusted() throws IOException {
        byte[] whole = withChecksum(mark(2, 1, false));
        assertThat(readBytes(whole)).isPresent();

        byte[] badMagic = whole.clone();
        badMagic[0] ^= 1;
        assertThat(readBytes(withChecksum(Arrays.copyOf(badMagic, badMagic.length - 4)))).isEmpty();

        byte[] badFormat = whole.clone();
        badFormat[7] = 2;
        assertThat(readBytes(withChecksum(Arrays.copyOf(badFormat, badFormat.length - 4)))).isEmpty();
    }

    @Test
    void aFlippedByteFailsTheChecksum() throws IOException {
        byte[] whole = withChecksum(mark(2, 1, false));
        byte[] flipped = whole.clone();
        flipped[20] ^= 0x10; // inside next slot: still parses, only the checksum can tell
        assertThat(readBytes(flipped)).isEmpty();
    }

    @Test
    void bytesAfterTheChecksumAreNotTrusted() throws IOException {
        byte[] whole = withChecksum(mark(2, 1, false));
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertThat(readBytes(longer)).as("a mark with a trailing byte").isEmpty();
    }

    @Test
    void aMarkCutAnywhereIsNotTrusted() throws IOException {
        byte[] whole = withChecksum(mark(2, 2, false));
        for (int length = 0; length < whole.length; length++) {
            assertThat(readBytes(Arrays.copyOf(whole, length))).as("cut at %d", length).isEmpty();
        }
    }

    @Test
    void anIdShorterThanItsStatedLengthIsNotTrusted() throws IOException {
        assertThat(readBytes(withChecksum(mark(0, 1, true)))).isEmpty();
    }

    @Test
    void deleteRemovesTheMarkAndALeftoverTemporaryOne() throws IOException {
        Files.write(dir.resolve(CleanShutdown.FILE_NAME), new byte[] {1});
        Files.write(dir.resolve(CleanShutdown.FILE_NAME + ".tmp"), new byte[] {1});

        CleanShutdown.delete(dir, Forcer.MSYNC);

        assertThat(dir.resolve(CleanShutdown.FILE_NAME)).doesNotExist();
        assertThat(dir.resolve(CleanShutdown.FILE_NAME + ".tmp")).doesNotExist();
        CleanShutdown.delete(dir, Forcer.MSYNC); // nothing left: no failure
    }

    @Test
    void theMarkIsGoneWhileTheStoreIsOpenSoACrashThenMustScan() {
        TestStores.open(dir).close();
        assertThat(dir.resolve(CleanShutdown.FILE_NAME)).isRegularFile();

        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().cleanStart()).isTrue();
            assertThat(dir.resolve(CleanShutdown.FILE_NAME)).as("deleted at open").doesNotExist();
        }
    }

    /** A mark's bytes without its checksum; {@code shortId} states an id longer than the bytes that follow. */
    private static byte[] mark(int stampCount, int entryCount, boolean shortId) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(1);
        out.writeInt(8);
        out.writeInt(96);
        out.writeLong(5);
        out.writeLong(4096);
        out.writeLong(42);
        out.writeInt(stampCount);
        for (int i = 0; i < Math.max(0, stampCount); i++) {
            out.writeLong(i);
        }
        out.writeInt(entryCount);
        if (shortId) {
            out.writeShort(1000);
            out.write(new byte[] {'a', 'b'});
            return bytes.toByteArray();
        }
        for (int i = 0; i < entryCount; i++) {
            out.writeShort(1);
            out.write('a' + i);
            out.writeLong(i);
            out.writeLong(10 + i);
            out.writeByte(0);
            out.writeInt(64);
        }
        return bytes.toByteArray();
    }

    private static byte[] withChecksum(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }

    private void writeMark(byte[] body) throws IOException {
        Files.write(dir.resolve(CleanShutdown.FILE_NAME), withChecksum(body));
    }

    private Optional<CleanShutdown.Snapshot> readBytes(byte[] bytes) throws IOException {
        Files.write(dir.resolve(CleanShutdown.FILE_NAME), bytes);
        return CleanShutdown.read(dir);
    }
}
