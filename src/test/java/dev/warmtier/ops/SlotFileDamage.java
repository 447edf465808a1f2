package dev.warmtier.ops;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Damage written straight into a live store's files, for the operations tests. */
final class SlotFileDamage {

    private SlotFileDamage() {
    }

    /** Flips one byte of a slot's embedding in a live store's slot file: a bad disk, in miniature. */
    static void flipSlotByte(Path spaceDir, long slot, int dimension) throws Exception {
        long at = dev.warmtier.engine.SlotLayout.HEADER_BYTES + slot * dev.warmtier.engine.SlotLayout.slotSize(dimension)
                + dev.warmtier.engine.SlotLayout.EMBEDDING_OFFSET + 1;
        try (FileChannel channel = FileChannel.open(spaceDir.resolve("slots.dat"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, at);
        }
    }
}
