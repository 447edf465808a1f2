package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContentRecordLayoutTests {

    private final ByteBuffer chunk = ByteBuffer.allocateDirect(1024).order(ByteOrder.LITTLE_ENDIAN);

    @Test
    void recordLengthsAreAlignedAndIncludeTheHeader() {
        assertThat(ContentRecordLayout.recordLength(1, 0)).isEqualTo(24);
        assertThat(ContentRecordLayout.recordLength(4, 4)).isEqualTo(32);
        assertThat(ContentRecordLayout.recordLength(256, 1 << 20) % ContentRecordLayout.ALIGNMENT).isZero();
    }

    @Test
    void aRecordRoundTripsAndItsChecksumCoversIdAndContent() {
        byte[] id = "thread-0-ep-0".getBytes(StandardCharsets.UTF_8);
        byte[] content = "Content from thread 0 episode 0 \u00e9\u6f22".getBytes(StandardCharsets.UTF_8);
        int length = ContentRecordLayout.recordLength(id.length, content.length);
        ContentRecordLayout.length(chunk, 64, length);
        ContentRecordLayout.writePayload(chunk, 64, id, content);
        ContentRecordLayout.stateOrdered(chunk, 64, ContentRecordLayout.STATE_COMMITTED);

        assertThat(ContentRecordLayout.length(chunk, 64)).isEqualTo(length);
        assertThat(ContentRecordLayout.stateVolatile(chunk, 64)).isEqualTo(ContentRecordLayout.STATE_COMMITTED);
        assertThat(ContentRecordLayout.lengthsConsistent(chunk, 64, length)).isTrue();
        assertThat(ContentRecordLayout.id(chunk, 64, id.length)).isEqualTo(id);
        assertThat(ContentRecordLayout.content(chunk, 64, id.length, content.length)).isEqualTo(content);
        int good = ContentRecordLayout.storedChecksum(chunk, 64);
        assertThat(ContentRecordLayout.computeChecksum(chunk, 64, id.length, content.length)).isEqualTo(good);

        chunk.put(64 + ContentRecordLayout.ID_OFFSET + id.length + 3, (byte) 'X');
        assertThat(ContentRecordLayout.computeChecksum(chunk, 64, id.length, content.length)).isNotEqualTo(good);
    }

    @Test
    void lengthsThatDoNotAddUpAreInconsistent() {
        ContentRecordLayout.writePayload(chunk, 0, new byte[] {'a'}, new byte[10]);
        assertThat(ContentRecordLayout.lengthsConsistent(chunk, 0, ContentRecordLayout.recordLength(1, 10))).isTrue();
        assertThat(ContentRecordLayout.lengthsConsistent(chunk, 0, ContentRecordLayout.recordLength(1, 10) + 8)).isFalse();
        chunk.putInt(ContentRecordLayout.ID_LENGTH_OFFSET, 0);
        assertThat(ContentRecordLayout.lengthsConsistent(chunk, 0, ContentRecordLayout.recordLength(0, 10))).isFalse();
    }
}
