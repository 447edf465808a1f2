package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The rules every stored memory obeys, checked by the engine itself so that no caller can store
 * something the files cannot represent. Each failure names the field and the rule.
 *
 * <p>Threads: no state; any thread.
 */
public final class MemoryRules {

    public static final int MAX_ID_BYTES = ContentRecordLayout.MAX_ID_BYTES;

    private MemoryRules() {
    }

    /** The id as UTF-8: 1 to 256 bytes, well-formed, no control characters. */
    public static byte[] idBytes(String id) {
        if (id == null) {
            throw new IllegalArgumentException("id: must not be null");
        }
        for (int i = 0; i < id.length(); ) {
            int codePoint = id.codePointAt(i);
            if (Character.isISOControl(codePoint)) {
                throw new IllegalArgumentException("id: must not contain control characters (found U+"
                        + String.format("%04X", codePoint) + " at index " + i + ")");
            }
            i += Character.charCount(codePoint);
        }
        byte[] bytes = utf8("id", id);
        if (bytes.length < 1 || bytes.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("id: must be 1 to " + MAX_ID_BYTES + " UTF-8 bytes, was " + bytes.length);
        }
        return bytes;
    }

    /** The content as UTF-8, at most {@code maxBytes}. */
    public static byte[] contentBytes(String content, int maxBytes) {
        byte[] bytes = utf8("content", content);
        if (bytes.length > maxBytes) {
            throw new ContentTooLargeException("content: must be at most " + maxBytes + " UTF-8 bytes, was "
                    + bytes.length);
        }
        return bytes;
    }

    public static void check(MemoryWrite write, int dimension) {
        if (write.embedding() != null) {
            checkEmbedding(write.embedding(), dimension);
        }
        unitInterval("confidence", write.confidence());
        unitInterval("activation", write.activation());
        if (!Float.isFinite(write.decayRate()) || write.decayRate() < 0) {
            throw new IllegalArgumentException("decayRate: must be finite and >= 0, was " + write.decayRate());
        }
    }

    /** An embedding, stored or asked for: exactly {@code dimension} finite values. */
    public static void checkEmbedding(float[] embedding, int dimension) {
        if (embedding.length != dimension) {
            throw new IllegalArgumentException("embedding: must have exactly " + dimension + " values, had "
                    + embedding.length);
        }
        for (int i = 0; i < embedding.length; i++) {
            if (!Float.isFinite(embedding[i])) {
                throw new IllegalArgumentException("embedding: values must be finite, [" + i + "] was "
                        + embedding[i]);
            }
        }
    }

    private static void unitInterval(String field, float value) {
        if (!Float.isFinite(value) || value < 0 || value > 1) {
            throw new IllegalArgumentException(field + ": must be finite and in [0, 1], was " + value);
        }
    }

    private static byte[] utf8(String field, String text) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(field + ": must be well-formed Unicode (found an unpaired surrogate)");
        }
    }
}
