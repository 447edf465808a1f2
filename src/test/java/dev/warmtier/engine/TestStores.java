package dev.warmtier.engine;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;

/** Small factories for stores and data the engine tests share. */
final class TestStores {

    static final int DIMENSION = 8;

    private TestStores() {
    }

    /** Tiny chunks so that a few dozen writes cross several of them. */
    /** Slots per chunk and content bytes per chunk of {@link #small()}: fixed, so tests can count chunks. */
    static final int SMALL_SLOT_CHUNK = 16;
    static final int SMALL_CONTENT_CHUNK = 128 * 1024;

    static StoreOptions small() {
        return StoreOptions.defaults()
                .withEmbeddingDimension(DIMENSION)
                .withDurability(Durability.NONE, Duration.ofMillis(100))
                .withMaxContentBytes(64 * 1024)
                .withChunks(SMALL_SLOT_CHUNK, SMALL_CONTENT_CHUNK)
                .withGrowAhead(false); // growth only when a write needs it, so tests can count it
    }

    /**
     * Small chunks that double, as production's do: slots 4, 4, 8, 16, 32, 32, ...; content 16,
     * 16, 32, 64, 128, 128, ... KiB (the largest holds the largest record).
     */
    static StoreOptions growing() {
        return small().withChunks(new ChunkSeries(4, 3), new ChunkSeries(16 * 1024, 3));
    }

    static MemoryStore open(Path dir) {
        return MemoryStore.open(dir, small());
    }

    /** A small store that reserves {@code versionBlock} versions per raise of its version ceiling. */
    static MemoryStore open(Path dir, long versionBlock) {
        return open(dir, small(), versionBlock);
    }

    static MemoryStore open(Path dir, StoreOptions options, long versionBlock) {
        return MemoryStore.open(dir, options, FileExtender.ZERO_FILL, Clock.systemUTC(), versionBlock);
    }

    static float[] embedding(long seed) {
        Random random = new Random(seed);
        float[] values = new float[DIMENSION];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    static MemoryWrite write(String content, long seed) {
        return new MemoryWrite(content, embedding(seed), 0.5f, 0.25f, 0.125f);
    }

    /** Deterministic text of exactly {@code bytes} UTF-8 bytes (ASCII), distinct per tag. */
    static String text(String tag, int bytes) {
        StringBuilder out = new StringBuilder(bytes);
        out.append(tag).append(':');
        while (out.length() < bytes) {
            out.append((char) ('a' + (out.length() * 31 + tag.hashCode()) % 26 + 0));
        }
        out.setLength(bytes);
        return out.toString();
    }
}
