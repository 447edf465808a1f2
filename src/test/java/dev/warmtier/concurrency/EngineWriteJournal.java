package dev.warmtier.concurrency;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the service in a child JVM of {@link ServiceKillDashNineTests} notes, per write, how far
 * it got: the service call began, the engine claimed a slot for it, wrote the slot's payload, the
 * service call returned. The file is memory-mapped and shared: a store into it is in the page
 * cache at once, which a SIGKILL of the child leaves alone, so the parent reads after the kill
 * what was inside the engine when the kill landed. The parent also uses it to ask the child to
 * hold the next write at a point inside the engine until the kill.
 *
 * <pre>
 *   0        4                      HEADER (64)                            HEADER + RECORD * n
 *   +--------+----------------------+---------------------+---------------------+--
 *   | hold   | unused               | record 0            | record 1            | ...
 *   +--------+----------------------+---------------------+---------------------+--
 *   record, RECORD (64) bytes: "KIND THREAD ID DETAIL" in ASCII, space padded, then END in its
 *   last 4 bytes, stored last with release order: a record the kill cut short has no END.
 * </pre>
 *
 * <p>Written by the child's request threads (each record at an offset of its own, taken from
 * {@link #next}); read by the parent, during the run only {@link #HOLD}, after the kill all of it.
 */
final class EngineWriteJournal {

    /** The service call ({@code MemoryService.put} or {@code delete}) for an id began. */
    static final String CALLED = "S";
    /** The engine claimed a slot for the write ({@code SlotAllocator.claim} returned). */
    static final String CLAIMED = "C";
    /** The slot's payload is written; the per-key publish step comes next ({@code ObservedSlotAllocator.payloadWritten}). */
    static final String PAYLOAD = "U";
    /** The write is held here, inside the engine, until the kill. */
    static final String HELD = "H";
    /** The service call returned ({@code ok}) or threw ({@code threw}); the engine is done with it. */
    static final String RETURNED = "L";

    /** Offset of the hold word: one of the HOLD_ values, set by the parent, taken by the child. */
    static final int HOLD = 0;
    static final int HEADER = 64;
    static final int RECORD = 64;
    static final int RECORDS = 1 << 16;
    static final long SIZE = HEADER + (long) RECORD * RECORDS;

    static final int HOLD_NONE = 0;
    /** Hold the next write right after its slot is claimed, before its payload is written. */
    static final int HOLD_AFTER_CLAIM = 1;
    /** Hold the next write after its payload is written, before the per-key publish step. */
    static final int HOLD_BEFORE_PUBLISH = 2;
    /** A write took the request and is noting it. */
    private static final int HOLD_TAKEN = 3;
    /** The held write's record is in the journal; the kill may land. */
    static final int HOLD_IN_PLACE = 4;

    /** "END\n" as the int a record ends with. */
    private static final int END = ('E' << 24) | ('N' << 16) | ('D' << 8) | '\n';
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final MappedByteBuffer map;
    /** Next free record; the only allocation of record offsets, so records never overlap. */
    private final AtomicInteger next = new AtomicInteger();

    private EngineWriteJournal(MappedByteBuffer map) {
        this.map = map;
    }

    /** Maps {@code file}, creating it at its full size if it does not exist (zeros: no records, no hold). */
    static EngineWriteJournal map(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return new EngineWriteJournal(channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE));
        }
    }

    // ---- the child ------------------------------------------------------------------------

    void note(String kind, String id, String detail) {
        int index = next.getAndIncrement();
        if (index >= RECORDS) {
            return; // full: the parent sees the last record taken and fails
        }
        byte[] text = (kind + " " + Thread.currentThread().getId() + " " + id + " " + detail).getBytes(US_ASCII);
        byte[] record = new byte[RECORD - 4];
        Arrays.fill(record, (byte) ' ');
        System.arraycopy(text, 0, record, 0, Math.min(text.length, record.length));
        int offset = HEADER + index * RECORD;
        map.put(offset, record);
        INT.setRelease(map, offset + RECORD - 4, END);
    }

    /**
     * Holds the calling write here until the process dies, if the parent asked for a hold at
     * {@code point} and no other write took it first; else returns at once.
     */
    void holdIfAsked(int point, String id, long slot) {
        if ((int) INT.getVolatile(map, HOLD) != point || !INT.compareAndSet(map, HOLD, point, HOLD_TAKEN)) {
            return;
        }
        note(HELD, id, "slot=" + slot + " point=" + point);
        INT.setVolatile(map, HOLD, HOLD_IN_PLACE);
        Object never = new Object();
        synchronized (never) {
            while (true) {
                try {
                    never.wait(); // nothing notifies: the write stays inside the engine until the SIGKILL
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    // ---- the parent -----------------------------------------------------------------------

    void requestHold(int point) {
        INT.setVolatile(map, HOLD, point);
    }

    boolean holdInPlace() {
        return (int) INT.getVolatile(map, HOLD) == HOLD_IN_PLACE;
    }

    /** One complete record. */
    record Entry(int index, String kind, long thread, String id, String detail) {
        @Override
        public String toString() {
            return "#" + index + " " + kind + " thread " + thread + " " + id + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    /** What the journal holds: its complete records in order, how many the kill cut short, whether it filled up. */
    record Contents(List<Entry> entries, int cutShort, boolean full) {
    }

    /** Reads every record slot: complete ones, and ones begun (not all zeros) that the kill cut short. */
    Contents read() {
        List<Entry> entries = new ArrayList<>();
        int cutShort = 0;
        for (int index = 0; index < RECORDS; index++) {
            int offset = HEADER + index * RECORD;
            if ((int) INT.getVolatile(map, offset + RECORD - 4) != END) {
                boolean blank = map.get(offset) == 0;
                if (!blank) {
                    cutShort++;
                }
                continue;
            }
            byte[] bytes = new byte[RECORD - 4];
            map.get(offset, bytes);
            String[] parts = new String(bytes, US_ASCII).trim().split(" ", 4);
            entries.add(new Entry(index, parts[0], Long.parseLong(parts[1]), parts[2], parts.length > 3 ? parts[3] : ""));
        }
        boolean full = map.get(HEADER + (RECORDS - 1) * RECORD) != 0;
        return new Contents(entries, cutShort, full);
    }
}
