package dev.warmtier.engine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The clean-shutdown mark, which doubles as a snapshot of the index. Close writes it after every
 * byte of both files is forced; open reads it and deletes it (durably) before anything is written.
 * So a valid mark proves that nothing touched the files since a clean close, and the open can load
 * the index from it instead of scanning every slot. Any crash, including one during recovery,
 * leaves no mark, and the next open scans.
 *
 * <pre>
 * magic "WTCS" | format | dimension | slot size | next slot (long) | content tail (long)
 * | last version (long) | stamp count (int) | stamps: size, mtime ns per data file (long) | entry count (int)
 * | entries: id length (short), id (UTF-8), slot (long), version (long), tombstone (byte), record length (int)
 * | crc32c of everything before it (int)
 * </pre>
 *
 * <p>Threads: no state; only the thread opening or closing the store calls it.
 */
final class CleanShutdown {

    static final String FILE_NAME = "clean-shutdown";
    private static final int MAGIC = 0x5343_5457; // "WTCS"
    private static final int FORMAT = 1;

    /**
     * @param fileStamps size and modification time of each data file after close; a mark whose
     *                   stamps no longer match was outlived by an edit of the files, and is not trusted
     */
    record Snapshot(int dimension, int slotSize, long nextSlot, long contentTail, long lastVersion,
                    long[] fileStamps, List<Map.Entry<String, IndexEntry>> entries) {
    }

    /** Size and modification time (ns) of each file, in order. */
    static long[] stamps(Path... files) throws IOException {
        long[] stamps = new long[files.length * 2];
        for (int i = 0; i < files.length; i++) {
            stamps[2 * i] = Files.size(files[i]);
            stamps[2 * i + 1] = Files.getLastModifiedTime(files[i]).to(TimeUnit.NANOSECONDS);
        }
        return stamps;
    }

    private CleanShutdown() {
    }

    static void write(Path dir, Snapshot snapshot, Forcer forcer) {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                CRC32C crc = new CRC32C();
                OutputStream raw = Channels.newOutputStream(channel);
                DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
                out.writeInt(MAGIC);
                out.writeInt(FORMAT);
                out.writeInt(snapshot.dimension());
                out.writeInt(snapshot.slotSize());
                out.writeLong(snapshot.nextSlot());
                out.writeLong(snapshot.contentTail());
                out.writeLong(snapshot.lastVersion());
                out.writeInt(snapshot.fileStamps().length);
                for (long stamp : snapshot.fileStamps()) {
                    out.writeLong(stamp);
                }
                out.writeInt(snapshot.entries().size());
                for (Map.Entry<String, IndexEntry> e : snapshot.entries()) {
                    byte[] id = e.getKey().getBytes(StandardCharsets.UTF_8);
                    IndexEntry entry = e.getValue();
                    out.writeShort(id.length);
                    out.write(id);
                    out.writeLong(entry.slot());
                    out.writeLong(entry.version());
                    out.writeByte(entry.tombstone() ? 1 : 0);
                    out.writeInt(entry.recordLength());
                }
                out.flush();
                ByteBuffer trailer = ByteBuffer.allocate(Integer.BYTES).putInt((int) crc.getValue()).flip();
                while (trailer.hasRemaining()) {
                    channel.write(trailer);
                }
                forcer.forceFile(tmp, channel, true);
            }
            StoreDirectory.rename(tmp, dir.resolve(FILE_NAME), forcer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write clean-shutdown mark in " + dir, e);
        }
    }

    /**
     * Reads the mark, if there is one, changing nothing: open decides from it and the files
     * whether to trust it, then {@link #delete}s it before writing anything.
     *
     * @return the snapshot when the mark was present and whole
     */
    static Optional<Snapshot> read(Path dir) {
        Path path = dir.resolve(FILE_NAME);
        try {
            return Files.exists(path) ? readMark(path) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read clean-shutdown mark in " + dir, e);
        }
    }

    /** Deletes the mark (and a temporary one a crash during close left), durably. */
    static void delete(Path dir, Forcer forcer) {
        try {
            boolean deleted = Files.deleteIfExists(dir.resolve(FILE_NAME + ".tmp"));
            deleted |= Files.deleteIfExists(dir.resolve(FILE_NAME));
            if (deleted) {
                forcer.forceDirectory(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete clean-shutdown mark in " + dir, e);
        }
    }

    private static Optional<Snapshot> readMark(Path path) throws IOException {
        CRC32C crc = new CRC32C();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                return Optional.empty();
            }
            int dimension = in.readInt();
            int slotSize = in.readInt();
            long nextSlot = in.readLong();
            long contentTail = in.readLong();
            long lastVersion = in.readLong();
            int stampCount = in.readInt();
            if (stampCount < 0 || stampCount > 16) {
                return Optional.empty();
            }
            long[] stamps = new long[stampCount];
            for (int i = 0; i < stampCount; i++) {
                stamps[i] = in.readLong();
            }
            int count = in.readInt();
            if (count < 0) {
                return Optional.empty();
            }
            List<Map.Entry<String, IndexEntry>> entries = new ArrayList<>(Math.min(count, 1 << 20));
            for (int i = 0; i < count; i++) {
                int idLength = in.readUnsignedShort();
                byte[] id = in.readNBytes(idLength);
                if (id.length != idLength) {
                    return Optional.empty();
                }
                long slot = in.readLong();
                long version = in.readLong();
                boolean tombstone = in.readByte() == 1;
                int recordLength = in.readInt();
                entries.add(Map.entry(new String(id, StandardCharsets.UTF_8),
                        new IndexEntry(slot, version, tombstone, recordLength)));
            }
            int expected = (int) crc.getValue();
            int stored = new DataInputStream(raw).readInt();
            if (stored != expected || raw.read() != -1) {
                return Optional.empty();
            }
            return Optional.of(new Snapshot(dimension, slotSize, nextSlot, contentTail, lastVersion, stamps, entries));
        } catch (EOFException e) {
            return Optional.empty();
        }
    }
}
