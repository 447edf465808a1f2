package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The slot drawing in {@link SlotLayout}'s comment is code: the fields its constants name lie end
 * to end without gaps or overlaps up to the embedding, the writers fill exactly those bytes, and
 * the drawing puts each field where its constant does.
 */
class SlotLayoutDiagramTests {

    /** A field of the fixed part of a slot: where it starts, how many bytes it has. */
    record Field(String name, int offset, int size) {
        int end() {
            return offset + size;
        }
    }

    /** The fixed part of a slot by the constants, in the drawing's labels. */
    static final Map<String, Field> FIELDS = fields(
            new Field("state", SlotLayout.STATE_OFFSET, Integer.BYTES),
            new Field("crc32c", SlotLayout.CRC_OFFSET, Integer.BYTES),
            new Field("version", SlotLayout.VERSION_OFFSET, Long.BYTES),
            new Field("created at", SlotLayout.CREATED_AT_OFFSET, Long.BYTES),
            new Field("updated at", SlotLayout.UPDATED_AT_OFFSET, Long.BYTES),
            new Field("content offset", SlotLayout.CONTENT_OFFSET_OFFSET, Long.BYTES),
            new Field("rec len", SlotLayout.RECORD_LENGTH_OFFSET, Integer.BYTES),
            new Field("kind", SlotLayout.KIND_OFFSET, Integer.BYTES),
            new Field("confid.", SlotLayout.CONFIDENCE_OFFSET, Float.BYTES),
            new Field("activ.", SlotLayout.ACTIVATION_OFFSET, Float.BYTES),
            new Field("decay", SlotLayout.DECAY_RATE_OFFSET, Float.BYTES),
            new Field("norm", SlotLayout.NORM_OFFSET, Float.BYTES));

    private static Map<String, Field> fields(Field... fields) {
        Map<String, Field> byName = new LinkedHashMap<>();
        for (Field field : fields) {
            byName.put(field.name(), field);
        }
        return byName;
    }

    @Test
    void theFixedFieldsAreContiguousAndEndWhereTheEmbeddingStarts() {
        List<Field> byOffset = new ArrayList<>(FIELDS.values());
        byOffset.sort(Comparator.comparingInt(Field::offset));
        int expected = 0;
        for (Field field : byOffset) {
            assertThat(field.offset()).as("%s starts where the field before it ends (fields: %s)", field.name(), byOffset)
                    .isEqualTo(expected);
            expected = field.end();
        }
        assertThat(expected).as("the fixed part ends at the embedding").isEqualTo(SlotLayout.EMBEDDING_OFFSET);
        assertThat(SlotLayout.PAYLOAD_OFFSET).as("the payload sum starts at the content offset")
                .isEqualTo(SlotLayout.CONTENT_OFFSET_OFFSET);
    }

    @Test
    void theWritersFillEveryFixedByte() {
        int size = SlotLayout.slotSize(1);
        ByteBuffer slot = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        // Values none of whose bytes is zero, so every byte a field owns shows it was written.
        long longs = 0x0102_0304_0506_0708L;
        int ints = 0x0A0B_0C0D;
        float floats = Float.intBitsToFloat(0x3F11_2233);
        SlotLayout.writePayload(slot, 0, longs, ints, ints, floats, floats, floats, new float[] {floats});
        CRC32C crc = SlotLayout.payloadChecksum(slot, 0, size);
        SlotLayout.writeVersioned(slot, 0, crc, longs, longs, longs);
        SlotLayout.stateOrdered(slot, 0, ints);

        assertThat(SlotLayout.NORM.get(slot, 0)).as("the norm of a one-value embedding").isEqualTo(floats);
        for (int at = 0; at < SlotLayout.EMBEDDING_OFFSET; at++) {
            if (at >= SlotLayout.CRC_OFFSET && at < SlotLayout.CRC_OFFSET + Integer.BYTES) {
                continue; // the checksum's bytes may be zero by chance; the others may not
            } else {
                assertThat(slot.get(at)).as("byte %d, which some field owns", at).isNotZero();
            }
        }
    }

    @Test
    void theDrawingPutsEachFieldWhereItsConstantDoes() throws IOException {
        Map<String, Field> drawn = drawnSlotFields(Path.of("src/main/java/dev/warmtier/engine/SlotLayout.java"));
        assertThat(drawn).as("fields in the drawing of the slot").isEqualTo(FIELDS);
    }

    /**
     * The fields of the slot drawing: each row is a ruler of byte offsets, a border whose '+'
     * stand under the ruler's numbers, and a row of cells between '|'; a cell spans the offsets
     * of the '+' above its two '|'.
     */
    static Map<String, Field> drawnSlotFields(Path source) throws IOException {
        List<String> lines = Files.readAllLines(source);
        int from = indexOf(lines, "Slot n starts at");
        Map<String, Field> fields = new LinkedHashMap<>();
        TreeMap<Integer, Integer> ruler = null;
        for (int i = from; !lines.get(i).contains("</pre>"); i++) {
            String line = lines.get(i);
            String body = line.length() > 3 ? line.substring(3) : "";
            if (body.trim().matches("[0-9 ]+")) {
                ruler = new TreeMap<>();
                for (int col = 0; col < body.length(); col++) {
                    if (Character.isDigit(body.charAt(col)) && (col == 0 || body.charAt(col - 1) == ' ')) {
                        int end = col;
                        while (end < body.length() && Character.isDigit(body.charAt(end))) {
                            end++;
                        }
                        ruler.put(col, Integer.parseInt(body.substring(col, end)));
                    }
                }
            } else if (body.trim().startsWith("|") && ruler != null) {
                int open = body.indexOf('|');
                for (int close = body.indexOf('|', open + 1); close > 0; close = body.indexOf('|', open + 1)) {
                    String name = body.substring(open + 1, close).trim();
                    int start = rulerAt(ruler, open, line);
                    fields.put(name, new Field(name, start, rulerAt(ruler, close, line) - start));
                    open = close;
                }
            }
        }
        return fields;
    }

    private static int rulerAt(TreeMap<Integer, Integer> ruler, int column, String line) {
        Integer offset = ruler.get(column);
        assertThat(offset).as("a ruler number above column %d of %s", column, line).isNotNull();
        return offset;
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        throw new AssertionError("no line with '" + text + "'");
    }
}
