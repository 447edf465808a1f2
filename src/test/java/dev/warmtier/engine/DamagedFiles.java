package dev.warmtier.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Writes partial or wrong bytes straight into a store's files, the way a crash, a bad disk or a
 * buggy writer would leave them. On a closed store, {@link #crashed()} also removes the
 * clean-shutdown mark so the next open must scan. On an open store the writes go through a
 * {@code FileChannel} into the page cache that the store's mappings read, so the live store sees
 * them at once; the operations tests in other packages use it that way. Edits that must keep a
 * checksum valid ({@link #rewriteSlot}, {@link #resealContentRecord}) live here because only this
 * package may compute the layouts' checksums.
 */
public final class DamagedFiles {

    private final Path dir;
    private final int slotSize;

    /**
     * @param dir       the store's directory (a space's directory under the data dir)
     * @param dimension the store's embedding dimension, which fixes the slot size
     */
    public DamagedFiles(Path dir, int dimension) {
        this.dir = dir;
        this.slotSize = SlotLayout.slotSize(dimension);
    }

    /** Forgets the clean shutdown, as a crash would. */
    public DamagedFiles crashed() throws IOException {
        Files.deleteIfExists(dir.resolve(CleanShutdown.FILE_NAME));
        return this;
    }

    public long slotFileOffset(long slot) {
        return SlotLayout.HEADER_BYTES + slot * slotSize;
    }

    public long contentFileOffset(long logicalOffset) {
        return ContentRecordLayout.HEADER_BYTES + logicalOffset;
    }

    public void writeSlotBytes(long slot, int offsetInSlot, byte[] bytes) throws IOException {
        write(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot, bytes);
    }

    public int readSlotInt(long slot, int offsetInSlot) throws IOException {
        return read(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot, 4).getInt(0);
    }

    public long readSlotLong(long slot, int offsetInSlot) throws IOException {
        return read(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot, 8).getLong(0);
    }

    public void flipSlotByte(long slot, int offsetInSlot) throws IOException {
        flip(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot);
    }

    public void flipContentByte(long logicalOffset) throws IOException {
        flip(dir.resolve(ContentLog.FILE_NAME), contentFileOffset(logicalOffset));
    }

    public void writeContentBytes(long logicalOffset, byte[] bytes) throws IOException {
        write(dir.resolve(ContentLog.FILE_NAME), contentFileOffset(logicalOffset), bytes);
    }

    /** Cuts the content log file at a logical offset, as a crash mid-write of a growing file would. */
    public void cutContentLogAt(long logicalOffset) throws IOException {
        try (FileChannel channel = FileChannel.open(dir.resolve(ContentLog.FILE_NAME), StandardOpenOption.WRITE)) {
            channel.truncate(contentFileOffset(logicalOffset));
        }
    }

    /** The whole slot as it is in the file now. */
    public byte[] readSlot(long slot) throws IOException {
        return read(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot), slotSize).array();
    }

    /** Zeroes a whole slot, as a lost write or a zeroed page of a bad disk would. */
    public void clearSlot(long slot) throws IOException {
        writeSlotBytes(slot, 0, new byte[slotSize]);
    }

    public byte[] readContentBytes(long logicalOffset, int length) throws IOException {
        return read(dir.resolve(ContentLog.FILE_NAME), contentFileOffset(logicalOffset), length).array();
    }

    /**
     * Recomputes and stores the checksum of the content record at {@code logicalOffset} over its
     * bytes as they are now (per the id and content lengths it states), so an edit of its payload
     * leaves a record that validates.
     */
    public void resealContentRecord(long logicalOffset) throws IOException {
        Path file = dir.resolve(ContentLog.FILE_NAME);
        ByteBuffer header = read(file, contentFileOffset(logicalOffset), ContentRecordLayout.RECORD_HEADER_BYTES);
        int idLength = header.getInt(ContentRecordLayout.ID_LENGTH_OFFSET);
        int contentLength = header.getInt(ContentRecordLayout.CONTENT_LENGTH_OFFSET);
        ByteBuffer record = read(file, contentFileOffset(logicalOffset),
                ContentRecordLayout.RECORD_HEADER_BYTES + idLength + contentLength);
        int checksum = ContentRecordLayout.computeChecksum(record, 0, idLength, contentLength);
        write(file, contentFileOffset(logicalOffset) + ContentRecordLayout.CRC_OFFSET, littleEndianInt(checksum));
    }

    /** Rewrites a slot with {@code edit} applied and its checksum made valid again. */
    public void rewriteSlot(long slot, Consumer<ByteBuffer> edit) throws IOException {
        Path file = dir.resolve(SlotFile.FILE_NAME);
        ByteBuffer bytes = read(file, slotFileOffset(slot), slotSize);
        edit.accept(bytes);
        bytes.putInt(SlotLayout.CRC_OFFSET, SlotLayout.computeChecksum(bytes, 0, slotSize));
        write(file, slotFileOffset(slot), Arrays.copyOf(bytes.array(), slotSize));
    }

    public void writeVersionCeilingBytes(long at, byte[] bytes) throws IOException {
        write(dir.resolve(VersionCeiling.FILE_NAME), at, bytes);
    }

    public byte[] readVersionCeilingBytes(long at, int length) throws IOException {
        return read(dir.resolve(VersionCeiling.FILE_NAME), at, length).array();
    }

    /** Flips one byte of the version-ceiling file, as a bad disk would. */
    public void flipVersionCeilingByte(long at) throws IOException {
        flip(dir.resolve(VersionCeiling.FILE_NAME), at);
    }

    /** Removes the version-ceiling file, leaving the store as it was before that file existed. */
    public void deleteVersionCeiling() throws IOException {
        Files.delete(dir.resolve(VersionCeiling.FILE_NAME));
    }

    public static byte[] littleEndianInt(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static void flip(Path file, long at) throws IOException {
        ByteBuffer one = read(file, at, 1);
        write(file, at, new byte[] {(byte) (one.get(0) ^ 0x5A)});
    }

    private static ByteBuffer read(Path file, long at, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, at + buffer.position()) < 0) {
                    break;
                }
            }
            return buffer.flip();
        }
    }

    private static void write(Path file, long at, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer, at + buffer.position());
            }
        }
    }
}
