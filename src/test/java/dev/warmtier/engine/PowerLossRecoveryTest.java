package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a power loss (not a process crash) can leave: pages that no force covered read back as
 * zeros, while later, forced pages are on disk. A length word lost that way must not take the
 * acknowledged records after it down with it: committed, checksum-valid slots vouch for them.
 */
class PowerLossRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void acknowledgedAlwaysWritesAfterAChunkRollSurviveAnUnforcedPaddingHeader() throws Exception {
        StoreOptions options = TestStores.small().withDurability(Durability.ALWAYS, Duration.ofMillis(100));
        long[] slots = new long[20];
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                slots[i] = store.put(String.format("k%02d", i), MemoryWrite.of(TestStores.text("v" + i, 10_000)))
                        .memory().slot();
            }
        }
        DamagedFiles files = new DamagedFiles(dir, TestStores.DIMENSION);
        int chunk = options.contentChunkBytes();
        long padding = -1;
        for (int i = 1; i < 20 && padding < 0; i++) {
            long previous = files.readSlotLong(slots[i - 1], SlotLayout.CONTENT_OFFSET_OFFSET);
            long current = files.readSlotLong(slots[i], SlotLayout.CONTENT_OFFSET_OFFSET);
            if (current / chunk != previous / chunk) {
                padding = previous + files.readSlotInt(slots[i - 1], SlotLayout.RECORD_LENGTH_OFFSET);
            }
        }
        assertThat(padding).as("the writes crossed a chunk with a padding record").isPositive();
        // The padding header is the one thing no force covered in always mode: lost to the power cut.
        files.crashed().writeContentBytes(padding, new byte[8]);

        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int i = 0; i < 20; i++) {
                String id = String.format("k%02d", i);
                assertThat(store.get(id)).as("%s after %s", id, store.recovery()).isPresent();
                assertThat(store.get(id).orElseThrow().content()).isEqualTo(TestStores.text("v" + i, 10_000));
            }
            assertThat(store.check().violations()).isZero();
        }
    }

    @Test
    void aLostLengthWordInTheMiddleOfAChunkIsBridgedByTheSlotsThatReferenceWhatFollows() throws Exception {
        long lostAt;
        try (MemoryStore store = TestStores.open(dir)) {
            store.put("a", MemoryWrite.of("alpha"));
            lostAt = store.stats().contentBytes();
            store.put("b", MemoryWrite.of("bravo"));
            store.put("c", MemoryWrite.of("charlie"));
            store.put("d", MemoryWrite.of("delta"));
        }
        // b's whole header page never reached the disk: zeros where its length and state were.
        new DamagedFiles(dir, TestStores.DIMENSION).crashed().writeContentBytes(lostAt, new byte[16]);
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.get("a")).isPresent();
            assertThat(store.get("b")).isEmpty();
            assertThat(store.get("c").orElseThrow().content()).isEqualTo("charlie");
            assertThat(store.get("d").orElseThrow().content()).isEqualTo("delta");
            assertThat(store.recovery().invalidSlotsDiscarded()).isEqualTo(1);
            assertThat(store.check().violations()).as("%s", store.check()).isZero();
            store.put("e", MemoryWrite.of("echo"));
        }
        new DamagedFiles(dir, TestStores.DIMENSION).crashed();
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().discarded()).isZero();
            assertThat(store.get("e")).isPresent();
            assertThat(store.get("d")).isPresent();
        }
    }
}
