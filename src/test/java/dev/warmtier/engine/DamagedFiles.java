package dev.warmtier.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes partial or wrong bytes straight into a closed store's files, the way a crash or a bad
 * disk would leave them, and removes the clean-shutdown mark so the next open must scan.
 */
final class DamagedFiles {

    private final Path dir;
    private final int slotSize;

    DamagedFiles(Path dir, int dimension) {
        this.dir = dir;
        this.slotSize = SlotLayout.slotSize(dimension);
    }

    /** Forgets the clean shutdown, as a crash would. */
    DamagedFiles crashed() throws IOException {
        Files.deleteIfExists(dir.resolve(CleanShutdown.FILE_NAME));
        return this;
    }

    long slotFileOffset(long slot) {
        return SlotLayout.HEADER_BYTES + slot * slotSize;
    }

    long contentFileOffset(long logicalOffset) {
        return ContentRecordLayout.HEADER_BYTES + logicalOffset;
    }

    void writeSlotBytes(long slot, int offsetInSlot, byte[] bytes) throws IOException {
        write(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot, bytes);
    }

    int readSlotInt(long slot, int offsetInSlot) throws IOException {
        return read(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot, 4).getInt(0);
    }

    long readSlotLong(long slot, int offsetInSlot) throws IOException {
        return read(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot, 8).getLong(0);
    }

    void flipSlotByte(long slot, int offsetInSlot) throws IOException {
        flip(dir.resolve(SlotFile.FILE_NAME), slotFileOffset(slot) + offsetInSlot);
    }

    void flipContentByte(long logicalOffset) throws IOException {
        flip(dir.resolve(ContentLog.FILE_NAME), contentFileOffset(logicalOffset));
    }

    void writeContentBytes(long logicalOffset, byte[] bytes) throws IOException {
        write(dir.resolve(ContentLog.FILE_NAME), contentFileOffset(logicalOffset), bytes);
    }

    /** Cuts the content log file at a logical offset, as a crash mid-write of a growing file would. */
    void cutContentLogAt(long logicalOffset) throws IOException {
        try (FileChannel channel = FileChannel.open(dir.resolve(ContentLog.FILE_NAME), StandardOpenOption.WRITE)) {
            channel.truncate(contentFileOffset(logicalOffset));
        }
    }

    /** Rewrites a slot with {@code edit} applied and its checksum made valid again. */
    void rewriteSlot(long slot, java.util.function.Consumer<ByteBuffer> edit) throws IOException {
        Path file = dir.resolve(SlotFile.FILE_NAME);
        ByteBuffer bytes = read(file, slotFileOffset(slot), slotSize);
        edit.accept(bytes);
        bytes.putInt(SlotLayout.CRC_OFFSET, SlotLayout.computeChecksum(bytes, 0, slotSize));
        write(file, slotFileOffset(slot), java.util.Arrays.copyOf(bytes.array(), slotSize));
    }

    static byte[] littleEndianInt(int value) {
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
