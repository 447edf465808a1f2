package dev.warmtier.system;

import dev.warmtier.space.WarmTierProperties;
import org.springframework.boot.jackson.autoconfigure.JsonFactoryBuilderCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * Strict JSON reading: a field the request does not have, a value of the wrong type, a number
 * given as a string (or the other way round), trailing content, deep nesting or a string longer
 * than any content could be is a 400 (or 413) naming the problem, never a silent guess.
 */
@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

    /** Far deeper than any request of this API; deep nesting is an attack, not data. */
    static final int MAX_NESTING_DEPTH = 32;

    @Bean
    JsonMapperBuilderCustomizer strictReading() {
        return builder -> builder
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Float, config -> config
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    }

    @Bean
    JsonFactoryBuilderCustomizer readLimits(WarmTierProperties properties) {
        // A JSON string is at least as many chars as its UTF-8 bytes are long once decoded... and
        // never more chars than bytes: a string past the content limit in chars is past it in bytes.
        int maxString = Math.max(properties.maxContentBytes(), 4096) + 1;
        return builder -> builder.streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxStringLength(maxString)
                .build());
    }
}
