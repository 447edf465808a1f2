package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live counters ({@code slotsLive}, {@code liveContentBytes}) the report and the metrics show
 * follow each replace and delete exactly, and agree with what a recovery recounts from the files;
 * a replace keeps the memory's {@code createdAt}. A clock that moves a second per read makes every
 * timestamp distinct, so a replace that took "now" as its creation time is caught.
 */
class LiveCountersTests {

    @TempDir
    Path dir;

    private final AtomicLong seconds = new AtomicLong(1_800_000_000L);

    /** A clock that is one second later every time it is read. */
    private final Clock stepping = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(seconds.getAndIncrement());
        }
    };

    private MemoryStore open() {
        return MemoryStore.open(dir, TestStores.small(), FileExtender.ZERO_FILL, stepping);
    }

    private static long record(String id, String content) {
        return ContentRecordLayout.recordLength(id.length(), content.length());
    }

    @Test
    void aReplaceMovesTheLiveBytesByTheDifferenceAndKeepsTheCount() {
        try (MemoryStore store = open()) {
            store.put("a", MemoryWrite.of("short"));
            store.put("b", MemoryWrite.of("other"));
            assertThat(store.stats().slotsLive()).isEqualTo(2);
            assertThat(store.stats().liveContentBytes()).isEqualTo(record("a", "short") + record("b", "other"));

            String longer = "a much longer content than before, past one alignment step";
            store.put("a", MemoryWrite.of(longer));
            assertThat(store.stats().slotsLive()).isEqualTo(2);
            assertThat(store.stats().liveContentBytes()).isEqualTo(record("a", longer) + record("b", "other"));
        }
    }

    @Test
    void aDeleteTakesTheMemoryOutOfBothCountersAndARecreateAddsItBack() {
        try (MemoryStore store = open()) {
            store.put("a", MemoryWrite.of("short"));
            store.put("b", MemoryWrite.of("other"));
            store.delete("a");
            assertThat(store.stats().slotsLive()).isEqualTo(1);
            assertThat(store.stats().liveContentBytes()).isEqualTo(record("b", "other"));

            assertThat(store.put("a", MemoryWrite.of("again")).status()).isEqualTo(PutResult.Status.CREATED);
            assertThat(store.stats().slotsLive()).isEqualTo(2);
            assertThat(store.stats().liveContentBytes()).isEqualTo(record("a", "again") + record("b", "other"));
        }
    }

    @Test
    void theCountersAfterAScanRecoveryAndACleanStartMatchTheOnesBeforeTheClose() throws Exception {
        long live;
        long bytes;
        try (MemoryStore store = open()) {
            for (int i = 0; i < 6; i++) {
                store.put("k" + i, MemoryWrite.of("value " + i));
            }
            store.put("k1", MemoryWrite.of("replaced with more"));
            store.delete("k2");
            store.delete("k3");
            store.put("k3", MemoryWrite.of("back"));
            live = store.stats().slotsLive();
            bytes = store.stats().liveContentBytes();
        }
        assertThat(live).isEqualTo(5);
        try (MemoryStore store = open()) {
            assertThat(store.recovery().cleanStart()).isTrue();
            assertThat(store.stats().slotsLive()).isEqualTo(live);
            assertThat(store.stats().liveContentBytes()).isEqualTo(bytes);
        }
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));
        try (MemoryStore store = open()) {
            assertThat(store.recovery().cleanStart()).isFalse();
            assertThat(store.recovery().liveMemories()).isEqualTo(live);
            assertThat(store.recovery().tombstones()).isEqualTo(1);
            assertThat(store.stats().slotsLive()).isEqualTo(live);
            assertThat(store.stats().liveContentBytes()).isEqualTo(bytes);
        }
    }

    @Test
    void aReplaceKeepsCreatedAtAndTakesANewUpdatedAtAcrossReopens() throws Exception {
        StoredMemory first;
        StoredMemory second;
        try (MemoryStore store = open()) {
            first = store.put("a", MemoryWrite.of("one")).memory();
            second = store.put("a", MemoryWrite.of("two")).memory();
        }
        assertThat(second.createdAt()).isEqualTo(first.createdAt());
        assertThat(second.updatedAt()).isAfter(first.updatedAt());
        try (MemoryStore store = open()) {
            StoredMemory got = store.get("a").orElseThrow();
            assertThat(got.createdAt()).isEqualTo(first.createdAt());
            assertThat(got.updatedAt()).isEqualTo(second.updatedAt());
        }
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));
        try (MemoryStore store = open()) {
            StoredMemory got = store.get("a").orElseThrow();
            assertThat(got.createdAt()).as("read from the slot after a scan").isEqualTo(first.createdAt());
            assertThat(got.updatedAt()).isEqualTo(second.updatedAt());
        }
    }

    @Test
    void aMemoryRecreatedAfterADeleteIsNewlyCreated() {
        try (MemoryStore store = open()) {
            StoredMemory first = store.put("a", MemoryWrite.of("one")).memory();
            store.delete("a");
            StoredMemory again = store.put("a", MemoryWrite.of("two")).memory();
            assertThat(again.createdAt()).isAfter(first.createdAt());
        }
    }
}
