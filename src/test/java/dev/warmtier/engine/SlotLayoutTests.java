package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SlotLayoutTests {

    private static final int DIM = 5;
    private final int size = SlotLayout.slotSize(DIM);
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(size * 3).order(ByteOrder.LITTLE_ENDIAN);

    @Test
    void slotSizeHoldsTheEmbeddingAndIsCacheLineAligned() {
        assertThat(SlotLayout.slotSize(768)).isEqualTo(64 + 768 * 4);
        assertThat(SlotLayout.slotSize(5)).isEqualTo(128);
        assertThat(SlotLayout.slotSize(1) % 64).isZero();
    }

    @Test
    void aCommittedSlotReadsBackEveryFieldAndItsChecksumHolds() {
        int base = size;
        float[] embedding = {1f, -2f, 0.5f, 0f, 3.25f};
        SlotLayout.writePayload(chunk, base, 4096, 48, SlotLayout.KIND_MEMORY, 0.7f, 0.1f, 0.2f, embedding);
        CRC32C crc = SlotLayout.payloadChecksum(chunk, base, size);
        SlotLayout.writeVersioned(chunk, base, crc, 17, 1000, 2000);
        SlotLayout.stateOrdered(chunk, base, SlotLayout.STATE_COMMITTED);

        assertThat(SlotLayout.stateVolatile(chunk, base)).isEqualTo(SlotLayout.STATE_COMMITTED);
        assertThat(SlotLayout.VERSION.get(chunk, base)).isEqualTo(17);
        assertThat(SlotLayout.CREATED_AT.get(chunk, base)).isEqualTo(1000);
        assertThat(SlotLayout.UPDATED_AT.get(chunk, base)).isEqualTo(2000);
        assertThat(SlotLayout.CONTENT_OFFSET.get(chunk, base)).isEqualTo(4096);
        assertThat(SlotLayout.RECORD_LENGTH.get(chunk, base)).isEqualTo(48);
        assertThat(SlotLayout.KIND.get(chunk, base)).isEqualTo(SlotLayout.KIND_MEMORY);
        assertThat(SlotLayout.CONFIDENCE.get(chunk, base)).isEqualTo(0.7f);
        assertThat(SlotLayout.ACTIVATION.get(chunk, base)).isEqualTo(0.1f);
        assertThat(SlotLayout.DECAY_RATE.get(chunk, base)).isEqualTo(0.2f);
        assertThat(SlotLayout.embedding(chunk, base, DIM)).containsExactly(embedding);
        assertThat(SlotLayout.storedChecksum(chunk, base)).isEqualTo(SlotLayout.computeChecksum(chunk, base, size));
        // Neighbours are untouched: a slot never writes outside its own bytes.
        assertThat(SlotLayout.isBlank(chunk, 0, size)).isTrue();
        assertThat(SlotLayout.isBlank(chunk, 2 * size, size)).isTrue();
    }

    @Test
    void theChecksumCoversTheVersionTheTimestampsAndEveryPayloadByte() {
        SlotLayout.writePayload(chunk, 0, 8, 24, SlotLayout.KIND_MEMORY, 0.7f, 0f, 0.1f, new float[DIM]);
        SlotLayout.writeVersioned(chunk, 0, SlotLayout.payloadChecksum(chunk, 0, size), 3, 1, 1);
        int good = SlotLayout.storedChecksum(chunk, 0);
        for (int offset : new int[] {SlotLayout.VERSION_OFFSET, SlotLayout.CREATED_AT_OFFSET,
                SlotLayout.UPDATED_AT_OFFSET, SlotLayout.CONTENT_OFFSET_OFFSET, SlotLayout.KIND_OFFSET,
                SlotLayout.EMBEDDING_OFFSET + 4, size - 1}) {
            byte before = chunk.get(offset);
            chunk.put(offset, (byte) (before ^ 0x10));
            assertThat(SlotLayout.computeChecksum(chunk, 0, size)).as("flip at %d", offset).isNotEqualTo(good);
            chunk.put(offset, before);
        }
        assertThat(SlotLayout.computeChecksum(chunk, 0, size)).isEqualTo(good);
    }

    @Test
    void clearMakesASlotBlankAgain() {
        SlotLayout.writePayload(chunk, size, 8, 24, SlotLayout.KIND_TOMBSTONE, 0f, 0f, 0f, null);
        assertThat(SlotLayout.isBlank(chunk, size, size)).isFalse();
        SlotLayout.clear(chunk, size, size);
        assertThat(SlotLayout.isBlank(chunk, size, size)).isTrue();
    }

    @Test
    void theHeaderRoundTripsAndDetectsDamage() {
        ByteBuffer header = ByteBuffer.allocate(SlotLayout.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        SlotLayout.writeHeader(header, size, DIM, 123_456L, new ChunkSeries(32, 5));
        assertThat(SlotLayout.HEADER.magic(header)).isEqualTo(SlotLayout.MAGIC);
        assertThat(SlotLayout.HEADER.format(header)).isEqualTo(SlotLayout.FORMAT_VERSION);
        assertThat(SlotLayout.HeaderFields.of(header)).isEqualTo(new SlotLayout.HeaderFields(size, DIM, 123_456L));
        assertThat(SlotLayout.HEADER.chunks(header)).isEqualTo(new ChunkSeries(32, 5));
        assertThat(SlotLayout.HEADER.storedChecksum(header)).isEqualTo(SlotLayout.HEADER.checksum(header));
        header.putInt(12, DIM + 1);
        assertThat(SlotLayout.HEADER.storedChecksum(header)).isNotEqualTo(SlotLayout.HEADER.checksum(header));
    }
}
