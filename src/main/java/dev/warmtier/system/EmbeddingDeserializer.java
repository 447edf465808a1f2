package dev.warmtier.system;

import java.util.Arrays;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.std.StdDeserializer;

/**
 * Reads every {@code float[]} of a request (embeddings): a JSON array of numbers, each rounded once,
 * from its decimal text straight to the nearest float, the same way on every path (PUT, POST,
 * batch, PATCH). A string (which Jackson would decode as base64), a non-number element, or a
 * number past the float range (such as {@code 1e39}) is refused with the element it was.
 */
final class EmbeddingDeserializer extends StdDeserializer<float[]> {

    EmbeddingDeserializer() {
        super(float[].class);
    }

    @Override
    public float[] deserialize(JsonParser parser, DeserializationContext context) {
        if (!parser.isExpectedStartArrayToken()) {
            throw new JsonRuleException(parser, "must be an array of numbers");
        }
        float[] values = new float[64];
        int count = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw new JsonRuleException(parser, count, "must be a number");
            }
            float value = parser.getFloatValue();
            if (!Float.isFinite(value)) {
                throw new JsonRuleException(parser, count, "must be within the float range (magnitude at most "
                        + Float.MAX_VALUE + "), was " + Problems.quote(parser.getString()));
            }
            if (count == values.length) {
                values = Arrays.copyOf(values, count * 2);
            }
            values[count++] = value;
        }
        return Arrays.copyOf(values, count);
    }
}
