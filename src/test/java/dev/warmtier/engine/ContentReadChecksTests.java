package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read serves a memory's content only from a record that is committed, as long as its slot
 * says, and passes its checksum: damage written into the open store's content log under a valid
 * slot is refused, counted, and does not touch the other memories.
 */
class ContentReadChecksTests {

    @TempDir
    Path dir;
    MemoryStore store;
    DamagedFiles damage;
    long offset;

    @BeforeEach
    void open() throws Exception {
        store = TestStores.open(dir);
        damage = new DamagedFiles(dir, TestStores.DIMENSION);
        store.put("before", MemoryWrite.of("first"));
        long slot = store.put("k", MemoryWrite.of("the content under test")).memory().slot();
        store.put("after", MemoryWrite.of("last"));
        offset = damage.readSlotLong(slot, SlotLayout.CONTENT_OFFSET_OFFSET);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aFlippedContentByteFailsTheChecksumOnRead() throws Exception {
        damage.flipContentByte(offset + ContentRecordLayout.ID_OFFSET + 1 + 4); // inside the content
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("fails its checksum");
        assertThat(store.stats().readChecksumFailures()).isEqualTo(1);
        assertThat(store.get("before").orElseThrow().content()).isEqualTo("first");
        assertThat(store.get("after").orElseThrow().content()).isEqualTo("last");
    }

    @Test
    void aFlippedIdByteFailsTheChecksumOnRead() throws Exception {
        damage.flipContentByte(offset + ContentRecordLayout.ID_OFFSET);
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("fails its checksum");
    }

    @Test
    void aRecordThatIsNoLongerCommittedIsNotServed() throws Exception {
        damage.writeContentBytes(offset + ContentRecordLayout.STATE_OFFSET,
                DamagedFiles.littleEndianInt(ContentRecordLayout.STATE_PADDING));
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("is not committed");
    }

    @Test
    void aRecordWhoseLengthDisagreesWithItsSlotIsNotServed() throws Exception {
        int length = ContentRecordLayout.recordLength(1, "the content under test".length());
        damage.writeContentBytes(offset + ContentRecordLayout.LENGTH_OFFSET,
                DamagedFiles.littleEndianInt(length + ContentRecordLayout.ALIGNMENT));
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("has length " + (length + ContentRecordLayout.ALIGNMENT))
                .hasMessageContaining("slot says " + length);
    }

    @Test
    void aRecordWhoseInnerLengthsDisagreeWithItsLengthIsNotServed() throws Exception {
        damage.writeContentBytes(offset + ContentRecordLayout.CONTENT_LENGTH_OFFSET, DamagedFiles.littleEndianInt(2));
        damage.resealContentRecord(offset);
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("has length");
    }
}
