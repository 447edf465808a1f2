package dev.warmtier.support;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Self-checking memories for the scenarios. A value is fully determined by (id, writer, sequence):
 * its content names them and repeats a pattern of them up to a size that also depends on them,
 * and its embedding and confidence are derived from the content's CRC32. A reader can therefore
 * tell, from the value alone, whether it is exactly one that some writer wrote, and not a torn
 * mix of two.
 */
public final class Memories {

    /** The scenarios' {@code warmtier.embedding-dimension}. */
    public static final int DIMENSION = 8;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Memories() {
    }

    /** The value writer {@code writer} stores as its {@code sequence}-th write of {@code id}. */
    public static String content(String id, int writer, int sequence) {
        String head = id + "|" + writer + "|" + sequence + "|";
        String pattern = "w" + writer + "s" + sequence + ".";
        int size = head.length() + 32 + Math.floorMod((id.hashCode() * 31 + writer) * 31 + sequence, 2000);
        StringBuilder out = new StringBuilder(size).append(head);
        while (out.length() < size) {
            out.append(pattern);
        }
        out.setLength(size);
        return out.toString();
    }

    /** The writer and sequence a content names; null when it names none (it is then torn or foreign). */
    public record Origin(int writer, int sequence) {
    }

    /** Where a content claims to come from, when it is exactly the value that origin would write; else null. */
    public static Origin originOf(String id, String content) {
        if (content == null || !content.startsWith(id + "|")) {
            return null;
        }
        String[] parts = content.substring(id.length() + 1).split("\\|", 3);
        if (parts.length < 3) {
            return null;
        }
        try {
            Origin origin = new Origin(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            return content.equals(content(id, origin.writer(), origin.sequence())) ? origin : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Eight floats from the content's CRC32, each k/16 - 0.5: exact in binary, so exact through JSON. */
    static float[] embedding(String content) {
        long crc = crc(content);
        float[] values = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            values[i] = ((crc >>> (4 * i)) & 0xF) / 16f - 0.5f;
        }
        return values;
    }

    static float confidence(String content) {
        return ((crc(content) >>> 7) & 0xF) / 16f;
    }

    /** The PUT body: content, its embedding and its confidence. */
    public static String body(String content) {
        ObjectNode body = JSON.createObjectNode();
        body.put("content", content);
        ArrayNode embedding = body.putArray("embedding");
        for (float value : embedding(content)) {
            embedding.add(value);
        }
        body.put("confidence", confidence(content));
        return JSON.writeValueAsString(body);
    }

    /**
     * What is wrong with a memory the API answered for {@code id}, embedding included, given the
     * content expected (or, when {@code expected} is null, any value some writer wrote); null when
     * nothing is.
     */
    public static String mismatch(String id, String expected, JsonNode memory) {
        String content = memory.path("content").asString(null);
        if (!id.equals(memory.path("id").asString(null))) {
            return "id " + id + " answered a memory of id " + memory.path("id");
        }
        if (expected != null && !expected.equals(content)) {
            return "id " + id + " v" + memory.path("version") + ": expected content " + preview(expected)
                    + ", got " + preview(content);
        }
        if (expected == null && originOf(id, content) == null) {
            return "id " + id + " v" + memory.path("version") + ": content is no value any writer wrote (torn?): "
                    + preview(content);
        }
        // Every caller asked for the embedding (a PUT's answer, a GET without ?embedding=false): a
        // missing one is a finding, not a reason to skip the check.
        if (!memory.path("embedding").isArray()) {
            return "id " + id + " v" + memory.path("version") + ": no embedding in the answer, expected "
                    + Arrays.toString(embedding(content));
        }
        float[] embedding = new float[memory.get("embedding").size()];
        for (int i = 0; i < embedding.length; i++) {
            embedding[i] = memory.get("embedding").get(i).asFloat();
        }
        if (!Arrays.equals(embedding, embedding(content))) {
            return "id " + id + " v" + memory.path("version") + ": embedding " + Arrays.toString(embedding)
                    + " does not belong to its content (expected " + Arrays.toString(embedding(content)) + ")";
        }
        if (memory.path("confidence").asFloat(Float.NaN) != confidence(content)) {
            return "id " + id + " v" + memory.path("version") + ": confidence " + memory.path("confidence")
                    + " does not belong to its content (expected " + confidence(content) + ")";
        }
        return null;
    }

    /** {@code /api/v1/spaces/{space}/memories/{id}} with the id percent-encoded (a '/' as %2F). */
    public static String path(String space, String id) {
        return "/api/v1/spaces/" + space + "/memories/" + encode(id);
    }

    /** Percent-encodes every UTF-8 byte of a path segment except RFC 3986's unreserved characters. */
    public static String encode(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    public static String preview(String content) {
        if (content == null) {
            return "nothing";
        }
        return content.length() <= 40 ? "'" + content + "'"
                : "'" + content.substring(0, 40) + "...' (" + content.length() + " chars)";
    }

    private static long crc(String content) {
        CRC32 crc = new CRC32();
        crc.update(content.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
