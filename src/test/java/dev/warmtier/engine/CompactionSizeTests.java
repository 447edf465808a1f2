package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measure of done, with production's defaults (768 floats, 64 KiB first chunks doubling
 * to 16 MiB): 10 000 memories written, each replaced twice, half of them deleted; one compaction
 * must leave the space's files within 1.5 times the live data (each live memory's slot and content
 * record).
 */
@Tag("integration")
class CompactionSizeTests {

    @TempDir
    Path dir;

    @Test
    void afterReplacingEveryMemoryTwiceAndDeletingHalfACompactionLeavesFilesWithinOneAndAHalfTimesTheLiveData()
            throws IOException {
        StoreOptions options = StoreOptions.defaults().withDurability(Durability.NONE, Duration.ofMillis(100));
        int memories = 10_000;
        Random random = new Random(13);
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < memories; i++) {
                    float[] embedding = new float[StoreOptions.DEFAULT_DIMENSION];
                    for (int d = 0; d < embedding.length; d++) {
                        embedding[d] = random.nextFloat();
                    }
                    String content = TestStores.text("memory " + i + " round " + round, 100 + random.nextInt(400));
                    store.put("memory-" + i, new MemoryWrite(content, embedding, 0.7f, 0f, 0.1f));
                }
            }
            for (int i = 0; i < memories; i += 2) {
                store.delete("memory-" + i);
            }
            long before = spaceBytes();
            StoreStats stats = store.stats();
            long live = stats.slotsLive() * SlotLayout.slotSize(StoreOptions.DEFAULT_DIMENSION) + stats.liveContentBytes();

            CompactionReport report = store.compact();

            long after = spaceBytes();
            System.out.printf("%d memories written 3 times, half deleted: live data %d bytes; space files %d bytes"
                            + " before, %d after (%.2fx the live data); compaction %s%n", memories, live, before, after,
                    (double) after / live, report);
            assertThat(stats.slotsLive()).isEqualTo(memories / 2);
            assertThat(after).as("space files after compaction, vs %d bytes of live data", live)
                    .isLessThanOrEqualTo(live * 3 / 2);
            assertThat(store.check().violations()).isZero();
            assertThat(store.get("memory-1")).isPresent();
            assertThat(store.get("memory-0")).isEmpty();
        }
    }

    /** Every file under the space directory. */
    private long spaceBytes() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }
}
