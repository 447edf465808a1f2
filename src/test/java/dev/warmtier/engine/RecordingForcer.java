package dev.warmtier.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Forces through {@link Forcer#MSYNC} and records each force as an event (file, range in the
 * file, thread, the bytes the range held when forced), next to marks the test adds ("put
 * returned"), so a test can assert which ranges were forced, in which order, on which thread and
 * before which acknowledgement.
 */
final class RecordingForcer implements Forcer {

    /** One force: {@code length} bytes of {@code file} from byte {@code from}. */
    record Force(String file, long from, int length, String thread, byte[] bytes) {

        /** The forced range as {@code file[from, to)}, for assertions that read well on failure. */
        String range() {
            return RecordingForcer.range(file, from, length);
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public String toString() {
            return range() + " on " + thread;
        }
    }

    /** Forces and marks in the order they happened; guarded by its own monitor. */
    private final List<Object> events = new ArrayList<>();

    static String range(String file, long from, int length) {
        return file + "[" + from + ", " + (from + length) + ")";
    }

    @Override
    public void force(Path file, long chunkStart, MappedByteBuffer chunk, int offset, int length) {
        byte[] bytes = new byte[length];
        chunk.get(offset, bytes);
        Forcer.MSYNC.force(file, chunkStart, chunk, offset, length);
        synchronized (events) {
            events.add(new Force(file.getFileName().toString(), chunkStart + offset, length,
                    Thread.currentThread().getName(), bytes));
        }
    }

    /**
     * One force of a file written through its channel ({@code fsync name}, or {@code fdatasync name}
     * without metadata) or of a directory ({@code fsync dir name}), as the timeline shows it.
     */
    record Sync(String what, String thread) {
    }

    @Override
    public void forceFile(Path file, FileChannel channel, boolean metadata) throws IOException {
        Forcer.MSYNC.forceFile(file, channel, metadata);
        add(new Sync((metadata ? "fsync " : "fdatasync ") + file.getFileName(), Thread.currentThread().getName()));
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        Forcer.MSYNC.forceDirectory(dir);
        add(new Sync("fsync dir " + dir.getFileName(), Thread.currentThread().getName()));
    }

    private void add(Object event) {
        synchronized (events) {
            events.add(event);
        }
    }

    /** Adds a mark between the forces, e.g. when a request returns. */
    void mark(String event) {
        synchronized (events) {
            events.add(event);
        }
    }

    void clear() {
        synchronized (events) {
            events.clear();
        }
    }

    /** Forces and marks so far, forces as their {@link Force#range()}. */
    List<String> timeline() {
        synchronized (events) {
            return events.stream().map(e -> e instanceof Force f ? f.range() : e instanceof Sync sync ? sync.what()
                    : (String) e).toList();
        }
    }

    List<Force> forces() {
        synchronized (events) {
            return events.stream().filter(Force.class::isInstance).map(Force.class::cast).toList();
        }
    }
}
