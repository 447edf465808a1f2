package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a store's files cost and accept: the first chunk of each file made at open so the first
 * writes grow nothing, growth counted once per chunk added, the limits of a header's chunk series
 * taken inclusively, a header checksum that covers the chunk series, and an id of the largest size.
 */
class StoreFilesTests {

    @TempDir
    Path dir;

    /** Production chunk sizes at a small dimension: a first chunk of 64 KiB for either file. */
    private static StoreOptions production() {
        return StoreOptions.defaults().withEmbeddingDimension(TestStores.DIMENSION)
                .withDurability(Durability.NONE, Duration.ofMillis(100)).withGrowAhead(false);
    }

    @Test
    void openingANewStoreMakesOneChunkOfEachFileSoTheFirstWritesGrowNothing() {
        try (MemoryStore store = MemoryStore.open(dir, production())) {
            assertThat(store.stats().growthEvents()).as("one chunk of each file").isEqualTo(2);
            for (int i = 0; i < 10; i++) {
                store.put("k" + i, TestStores.write("small", i));
            }
            assertThat(store.stats().growthEvents()).isEqualTo(2);
        }
        try (MemoryStore reopened = MemoryStore.open(dir, production())) {
            assertThat(reopened.stats().growthEvents()).as("whole chunks found at open are not growth").isZero();
        }
    }

    @Test
    void everyChunkAddedToEitherFileIsOneGrowthEvent() throws IOException {
        StoreOptions options = TestStores.small(); // 16 slots and 128 KiB of content per chunk
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            for (int i = 0; i < 40; i++) {
                store.put("k" + i, TestStores.write(TestStores.text("k" + i, 20_000), i));
            }
            long slotChunks = store.stats().slotCapacity() / 16;
            long contentChunks = (Files.size(dir.resolve(ContentLog.FILE_NAME)) - ContentRecordLayout.HEADER_BYTES)
                    / (128 * 1024);
            assertThat(slotChunks).isGreaterThan(2);
            assertThat(contentChunks).isGreaterThan(2);
            assertThat(store.stats().growthEvents()).isEqualTo(slotChunks + contentChunks);
        }
    }

    @Test
    void anIdOfTheLargestSizeIsStoredReadAndRecovered() throws IOException {
        String id = "i".repeat(ContentRecordLayout.MAX_ID_BYTES);
        try (MemoryStore store = TestStores.open(dir)) {
            store.put(id, TestStores.write("the longest id", 1));
            assertThat(store.get(id).orElseThrow().content()).isEqualTo("the longest id");
        }
        Files.delete(dir.resolve(CleanShutdown.FILE_NAME));
        try (MemoryStore store = TestStores.open(dir)) {
            assertThat(store.recovery().invalidSlotsDiscarded()).isZero();
            assertThat(store.get(id).orElseThrow().content()).isEqualTo("the longest id");
        }
    }

    @Test
    void aContentChunkExactlyTheLargestRecordOrTheLargestMappingIsAccepted() {
        int maxContent = 4000;
        long exact = ContentRecordLayout.alignedChunkFor(maxContent);
        StoreOptions tight = TestStores.small().withMaxContentBytes(maxContent)
                .withChunks(ChunkSeries.fixed(16), ChunkSeries.fixed(exact));
        try (MemoryStore store = MemoryStore.open(dir.resolve("tight"), tight)) {
            store.put("k", TestStores.write(TestStores.text("k", maxContent), 1));
        }
        try (MemoryStore store = MemoryStore.open(dir.resolve("tight"), tight)) {
            assertThat(store.get("k").orElseThrow().content()).hasSize(maxContent);
        }

        // Chunks from 64 KiB doubling to exactly the largest mapping the engine allows.
        ChunkSeries largest = new ChunkSeries(64 * 1024, 14);
        assertThat(largest.max()).isEqualTo(StoreOptions.MAX_CHUNK_BYTES);
        StoreOptions wide = TestStores.small().withChunks(ChunkSeries.fixed(16), largest);
        try (MemoryStore store = MemoryStore.open(dir.resolve("wide"), wide)) {
            store.put("k", TestStores.write("fits", 1));
        }
        try (MemoryStore store = MemoryStore.open(dir.resolve("wide"), wide)) {
            assertThat(store.get("k")).isPresent();
        }
    }

    @Test
    void aSlotChunkOfExactlyTheLargestMappingIsAcceptedAndOneDoublingMoreIsRefused() throws IOException {
        int dimension = 16; // 128-byte slots, so the largest chunk is a power of two slots
        int slotSize = SlotLayout.slotSize(dimension);
        assertThat(Long.bitCount(StoreOptions.MAX_CHUNK_BYTES / slotSize)).isEqualTo(1);
        ChunkSeries largest = new ChunkSeries(4, Long.numberOfTrailingZeros(StoreOptions.MAX_CHUNK_BYTES / slotSize) - 2);
        assertThat(largest.max() * slotSize).isEqualTo(StoreOptions.MAX_CHUNK_BYTES);
        StoreOptions options = TestStores.small().withEmbeddingDimension(dimension)
                .withChunks(largest, ChunkSeries.fixed(128 * 1024));
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            store.put("k", MemoryWrite.of("fits"));
        }
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            assertThat(store.get("k")).isPresent();
        }

        ChunkSeries tooLarge = new ChunkSeries(4, largest.doublings() + 1);
        ByteBuffer header = ByteBuffer.allocate(SlotLayout.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        SlotLayout.writeHeader(header, slotSize, dimension, 0, tooLarge);
        replaceHeader(SlotFile.FILE_NAME, header.array());
        assertThatThrownBy(() -> MemoryStore.open(dir, options)).isInstanceOf(StoreFormatException.class)
                .hasMessageContaining("invalid chunk size");
    }

    @Test
    void eitherHeadersChecksumCoversItsChunkDoublings() throws IOException {
        StoreOptions options = TestStores.growing();
        try (MemoryStore store = MemoryStore.open(dir, options)) {
            store.put("k", TestStores.write("x", 1));
        }
        byte[] slotHeader = header(SlotFile.FILE_NAME, SlotLayout.HEADER_BYTES);
        byte[] contentHeader = header(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_BYTES);

        // One doubling fewer is a valid series, so only the checksum can tell.
        replaceInt(SlotFile.FILE_NAME, SlotLayout.HEADER_CHUNK_DOUBLINGS, 2);
        assertThatThrownBy(() -> MemoryStore.open(dir, options)).isInstanceOf(StoreFormatException.class)
                .hasMessageContaining(SlotFile.FILE_NAME).hasMessageContaining("damaged header");
        replaceHeader(SlotFile.FILE_NAME, slotHeader);

        replaceInt(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_CHUNK_DOUBLINGS, 2);
        assertThatThrownBy(() -> MemoryStore.open(dir, options)).isInstanceOf(StoreFormatException.class)
                .hasMessageContaining(ContentLog.FILE_NAME).hasMessageContaining("damaged header");
        replaceHeader(ContentLog.FILE_NAME, contentHeader);

        try (MemoryStore store = MemoryStore.open(dir, options)) {
            assertThat(store.get("k")).isPresent();
        }
    }

    private byte[] header(String file, int length) throws IOException {
        byte[] bytes = new byte[length];
        System.arraycopy(Files.readAllBytes(dir.resolve(file)), 0, bytes, 0, length);
        return bytes;
    }

    private void replaceHeader(String file, byte[] header) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        System.arraycopy(header, 0, bytes, 0, header.length);
        Files.write(dir.resolve(file), bytes);
    }

    private void replaceInt(String file, int offset, int value) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        Files.write(dir.resolve(file), bytes);
    }
}
