package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Recovers the content log at open: walks the records from the start and turns reservations whose
 * writer died into padding. Where the walk meets a hole (a zero or invalid header: a page that a
 * power loss kept from the disk), it resumes at the next record that a committed, checksum-valid
 * slot vouches for and that validates itself, and makes the hole padding; an acknowledged record
 * is never cut off by an earlier page that was not forced. Past the last such record, the log ends
 * at the first invalid record and everything after it is zeroed, so it can never be mistaken for
 * data again.
 *
 * <p>Threads: the opening thread only, before the log is shared; one recovery per open.
 */
final class ContentLogRecovery {

    private final ContentLog log;
    private final MappedChunks chunks;

    ContentLogRecovery(ContentLog log) {
        this.log = log;
        this.chunks = log.chunks;
    }

    /** Recovers the log; the result's tail is where the recovered log ends. */
    ContentLog.Recovery run(ContentLog.VouchedRecords vouched) {
        long at = 0;
        long capacity = log.capacity();
        long abandoned = 0;
        long bridged = 0;
        long invalidAt = -1;
        ContentLog.VouchedRecords.Batch batch = null;
        long batchFrom = -1;
        while (at < capacity) {
            ByteBuffer chunk = chunks.chunk(log.chunkIndex(at)).buffer;
            int pos = log.positionOf(at);
            int length = ContentRecordLayout.length(chunk, pos);
            int state = ContentRecordLayout.stateVolatile(chunk, pos);
            boolean valid = length != 0 && log.plausibleLength(length, at);
            if (valid && state == ContentRecordLayout.STATE_PADDING) {
                at += length;
                continue;
            }
            if (valid && state == ContentRecordLayout.STATE_RESERVED && length >= ContentRecordLayout.RECORD_HEADER_BYTES) {
                ContentRecordLayout.stateOrdered(chunk, pos, ContentRecordLayout.STATE_PADDING);
                chunks.chunk(log.chunkIndex(at)).markDirty();
                abandoned++;
                at += length;
                continue;
            }
            if (valid && state == ContentRecordLayout.STATE_COMMITTED
                    && ContentLog.validCommitted(chunk, pos, length)) {
                at += length;
                continue;
            }
            long resume;
            long from = at;
            while (true) {
                // A batch holds every vouched offset in (batchFrom, its last offset], or all above batchFrom.
                if (batch == null || from < batchFrom || !(batch.complete() || from < last(batch))) {
                    batch = vouched.after(from);
                    batchFrom = from;
                }
                resume = nextVouchedRecord(from, batch.offsets(), batch.lengths());
                if (resume >= 0 || batch.complete()) {
                    break;
                }
                from = last(batch); // none of this batch validated: look past it
            }
            if (resume < 0) {
                invalidAt = length == 0 && state == 0 ? -1 : at;
                break;
            }
            log.padRange(at, resume);
            bridged += resume - at;
            at = resume;
        }
        long truncated = zeroFrom(at);
        return new ContentLog.Recovery(at, abandoned, truncated, bridged, invalidAt);
    }

    private static long last(ContentLog.VouchedRecords.Batch batch) {
        return batch.offsets().length == 0 ? Long.MAX_VALUE : batch.offsets()[batch.offsets().length - 1];
    }

    /** The first vouched record after {@code from} whose header, length and checksum hold; -1 if none. */
    private long nextVouchedRecord(long from, long[] offsets, int[] lengths) {
        int i = Arrays.binarySearch(offsets, from + 1);
        for (i = i < 0 ? -i - 1 : i; i < offsets.length; i++) {
            long offset = offsets[i];
            if (offset < 0 || offset % ContentRecordLayout.ALIGNMENT != 0 || log.chunkIndex(offset) >= chunks.count()) {
                continue;
            }
            ByteBuffer chunk = chunks.chunk(log.chunkIndex(offset)).buffer;
            int pos = log.positionOf(offset);
            int length = ContentRecordLayout.length(chunk, pos);
            if (length == lengths[i] && log.plausibleLength(length, offset)
                    && ContentRecordLayout.stateVolatile(chunk, pos) == ContentRecordLayout.STATE_COMMITTED
                    && ContentLog.validCommitted(chunk, pos, length)) {
                return offset;
            }
        }
        return -1;
    }

    /** Zeroes every non-zero byte from {@code from} to the end; answers how many bytes that spanned. */
    private long zeroFrom(long from) {
        long lastNonZero = -1;
        long capacity = log.capacity();
        for (long at = from; at < capacity; at += Long.BYTES) {
            ByteBuffer chunk = chunks.chunk(log.chunkIndex(at)).buffer;
            int pos = log.positionOf(at);
            if (chunk.getLong(pos) != 0) {
                chunk.putLong(pos, 0L);
                chunks.chunk(log.chunkIndex(at)).markDirty();
                lastNonZero = at;
            }
        }
        return lastNonZero < 0 ? 0 : lastNonZero + Long.BYTES - from;
    }
}
