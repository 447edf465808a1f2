package dev.warmtier.memory;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids the service picks for {@code POST .../memories}: UUID version 7 strings, whose first 48 bits
 * are the Unix time in milliseconds, so they sort (as text too) in creation order. Within one
 * millisecond a counter keeps them increasing.
 */
final class MemoryIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Last {@code (millis << 12 | sequence)} handed out; advanced by CAS so ids never repeat or go back. */
    private static final AtomicLong LAST = new AtomicLong();

    private MemoryIds() {
    }

    static String next() {
        long stamp = LAST.updateAndGet(last -> Math.max(last + 1, System.currentTimeMillis() << 12));
        long millis = stamp >>> 12;
        long sequence = stamp & 0xFFF;
        long msb = (millis << 16) | 0x7000L | sequence;
        long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }
}
