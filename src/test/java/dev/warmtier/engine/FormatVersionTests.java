package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files of format 1 (fixed chunks; {@code src/test/resources/format-v1}, written by the engine
 * before chunks grew geometrically) open and keep working in their own format; a format this
 * build does not know is refused with a message naming it and the formats this build reads.
 */
class FormatVersionTests {

    @TempDir
    Path dir;

    /** The options the fixture was made with. */
    private static StoreOptions fixtureOptions() {
        return StoreOptions.defaults().withEmbeddingDimension(8).withDurability(Durability.NONE, Duration.ofMillis(100))
                .withMaxContentBytes(1024);
    }

    private void copyFixture() throws IOException {
        for (String file : new String[] {SlotFile.FILE_NAME, ContentLog.FILE_NAME, VersionCeiling.FILE_NAME}) {
            try (InputStream in = getClass().getResourceAsStream("/format-v1/" + file)) {
                assertThat(in).as("fixture file %s", file).isNotNull();
                Files.copy(in, dir.resolve(file));
            }
        }
    }

    @Test
    void aSpaceOfFormatOneOpensReadsGrowsAndStaysFormatOne() throws Exception {
        copyFixture();
        try (MemoryStore store = MemoryStore.open(dir, fixtureOptions())) {
            assertThat(store.recovery().discarded()).as("%s", store.recovery()).isZero();
            assertThat(store.stats().slotsLive()).isEqualTo(5);
            StoredMemory first = store.get("memory-0").orElseThrow();
            assertThat(first.content()).isEqualTo("content of memory 0");
            assertThat(first.embedding()).containsExactly(0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f);
            assertThat(first.confidence()).isEqualTo(0.5f);
            assertThat(first.version()).isEqualTo(1);
            assertThat(store.get("memory-1").orElseThrow().content()).isEqualTo("memory 1, replaced");
            assertThat(store.get("memory-2")).isEmpty();
            // Its chunks stay what its header says: 4 slots and 4096 content bytes each, so 40 more
            // writes add ten slot chunks of 4 and the log grows by whole 4096-byte chunks.
            for (int i = 0; i < 40; i++) {
                store.put("new-" + i, MemoryWrite.of("written by format 2 code into format 1 files " + i));
            }
            assertThat(store.stats().slotCapacity() % 4).isZero();
            assertThat(store.check().violations()).isZero();
        }
        assertThat(headerInt(SlotFile.FILE_NAME, SlotLayout.HEADER_FORMAT)).isEqualTo(SlotLayout.FORMAT_FIXED_CHUNKS);
        assertThat(headerInt(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_FORMAT))
                .isEqualTo(ContentRecordLayout.FORMAT_FIXED_CHUNKS);
        assertThat((Files.size(dir.resolve(ContentLog.FILE_NAME)) - ContentRecordLayout.HEADER_BYTES) % 4096).isZero();
        assertThat((Files.size(dir.resolve(SlotFile.FILE_NAME)) - SlotLayout.HEADER_BYTES)
                % (4L * SlotLayout.slotSize(8))).isZero();
        try (MemoryStore store = MemoryStore.open(dir, fixtureOptions())) {
            assertThat(store.recovery().cleanStart()).isTrue();
            assertThat(store.stats().slotsLive()).isEqualTo(45);
            assertThat(store.get("new-39").orElseThrow().content()).endsWith(" 39");
        }
    }

    @Test
    void aNewSpaceGetsFormatTwo() throws Exception {
        MemoryStore.open(dir, fixtureOptions()).close();
        assertThat(headerInt(SlotFile.FILE_NAME, SlotLayout.HEADER_FORMAT)).isEqualTo(SlotLayout.FORMAT_VERSION);
        assertThat(headerInt(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_FORMAT))
                .isEqualTo(ContentRecordLayout.FORMAT_VERSION);
    }

    @Test
    void aFormatThisBuildDoesNotKnowIsRefusedNamingBothVersions() throws Exception {
        copyFixture();
        byte[] before = Files.readAllBytes(dir.resolve(SlotFile.FILE_NAME));
        writeHeaderInt(SlotFile.FILE_NAME, SlotLayout.HEADER_FORMAT, 3);
        assertThatThrownBy(() -> MemoryStore.open(dir, fixtureOptions()))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining(SlotFile.FILE_NAME)
                .hasMessageContaining("format version 3")
                .hasMessageContaining("reads versions 1 and 2");
        writeHeaderInt(SlotFile.FILE_NAME, SlotLayout.HEADER_FORMAT, SlotLayout.FORMAT_FIXED_CHUNKS);
        assertThat(Files.readAllBytes(dir.resolve(SlotFile.FILE_NAME))).isEqualTo(before);

        writeHeaderInt(ContentLog.FILE_NAME, ContentRecordLayout.HEADER_FORMAT, 7);
        assertThatThrownBy(() -> MemoryStore.open(dir, fixtureOptions()))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining(ContentLog.FILE_NAME)
                .hasMessageContaining("format version 7")
                .hasMessageContaining("reads versions 1 and 2");
    }

    @Test
    void aFormatOneHeaderReadAsFormatTwoFailsItsChecksum() throws Exception {
        copyFixture();
        writeHeaderInt(SlotFile.FILE_NAME, SlotLayout.HEADER_FORMAT, SlotLayout.FORMAT_VERSION);
        assertThatThrownBy(() -> MemoryStore.open(dir, fixtureOptions()))
                .isInstanceOf(StoreFormatException.class)
                .hasMessageContaining("damaged header");
    }

    private int headerInt(String file, int offset) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(dir.resolve(file))).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    private void writeHeaderInt(String file, int offset, int value) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        Files.write(dir.resolve(file), bytes);
    }
}
