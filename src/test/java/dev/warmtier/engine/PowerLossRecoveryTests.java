package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a power loss (not a process crash) can leave: pages that no force covered read back as
 * zeros, while later, forced pages are on disk. A length word lost that way must not take the
 * acknowledged records after it down with it: committed, checksum-valid slots vouch for them.
 */
class PowerLossRecoveryTests {

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
        long chunk = options.contentChunks().first();
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

    /**
     * Review finding #5: in {@code none} and {@code interval} mode a power loss can drop the
     * pages of the newest slots, writes that were acknowledged (and whose ETags clients hold).
     * Versions recovered from the slots alone then restart below them, and a new write reuses a
     * lost write's version: an {@code If-Match} carrying the lost write's ETag would match it.
     */
    @ParameterizedTest
    @EnumSource(value = Durability.class, names = {"NONE", "INTERVAL"})
    void aPowerLossThatDropsTheNewestSlotsNeverLetsAVersionBeHandedOutTwice(Durability mode) throws Exception {
        StoreOptions options = TestStores.small().withDurability(mode, Duration.ofMillis(100));
        int writes = 20;
        int lost = 5;
        long[] versions = new long[writes];
        long[] slots = new long[writes];
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int i = 0; i < writes; i++) {
                PutResult put = store.put(String.format("k%02d", i), MemoryWrite.of("v" + i));
                versions[i] = put.memory().version();
                slots[i] = put.memory().slot();
            }
        }
        long highestAcknowledged = Arrays.stream(versions).max().orElseThrow();
        // The power cut: the pages holding the newest slots never reached the disk.
        DamagedFiles files = new DamagedFiles(dir, TestStores.DIMENSION).crashed();
        for (int i = writes - lost; i < writes; i++) {
            files.clearSlot(slots[i]);
        }
        String lostId = String.format("k%02d", writes - lost);
        long lostVersion = versions[writes - lost];

        try (MemoryStore store = MemoryStore.open(dir, options)) {
            assertThat(store.get(lostId)).as("%s was lost with its slot; %s", lostId, store.recovery()).isEmpty();
            PutResult again = store.put(lostId, MemoryWrite.of("written again after the power loss"));
            PutResult other = store.put("fresh", MemoryWrite.of("a new id"));
            System.out.printf("%s: acknowledged versions %d..%d, lost %d..%d; after reopen %s got version %d,"
                    + " fresh got %d; %s%n", mode, versions[0], highestAcknowledged, lostVersion, highestAcknowledged,
                    lostId, again.memory().version(), other.memory().version(), store.recovery());
            assertThat(again.memory().version())
                    .as("%s: the rewrite of %s must be above every version acknowledged before the power loss (%d);"
                            + " the lost write of it had %d", mode, lostId, highestAcknowledged, lostVersion)
                    .isGreaterThan(highestAcknowledged);
            assertThat(other.memory().version()).as("%s: a new id after the power loss", mode)
                    .isGreaterThan(highestAcknowledged);
            // A client still holding the lost write's ETag must not match the new memory.
            PutResult ifMatch = store.putIfVersion(lostId, lostVersion, MemoryWrite.of("If-Match of the lost ETag"));
            assertThat(ifMatch.status()).as("%s: If-Match \"%d\" of the lost write against %s", mode, lostVersion,
                    store.get(lostId)).isEqualTo(PutResult.Status.PRECONDITION_FAILED);
        }
    }
}
