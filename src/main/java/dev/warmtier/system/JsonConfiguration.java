package dev.warmtier.system;

import org.springframework.boot.jackson.autoconfigure.JsonFactoryBuilderCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Strict JSON reading: a field the request does not have, a key given twice, a value of the wrong
 * type, a number given as a string (or the other way round), a fraction where a whole number belongs, an embedding given as a string or past
 * the float range, trailing content, deep nesting or more tokens than any valid request holds is a
 * 400 naming the problem, never a silent guess.
 */
@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

    /** Far deeper than any request of this API; deep nesting is an attack, not data. */
    static final int MAX_NESTING_DEPTH = 32;

    @Bean
    JsonMapperBuilderCustomizer strictReading() {
        return builder -> builder
                .addModule(new SimpleModule("warmtier-embeddings").addDeserializer(float[].class,
                        new EmbeddingDeserializer()))
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Textual, config -> config
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(LogicalType.Float, config -> config
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    }

    /**
     * Strings may be as long as a request body: content past {@code warmtier.max-content-bytes} is
     * then refused by the engine's rule, with 413, per item of a batch, instead of failing the whole
     * read. The token count bounds how much a body can make the service build.
     */
    @Bean
    JsonFactoryBuilderCustomizer readLimits(WarmTierProperties properties) {
        int maxString = (int) Math.min(Integer.MAX_VALUE - 8, properties.maxRequestBytes());
        return builder -> builder
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxStringLength(maxString)
                        .maxTokenCount(RequestLimits.maxJsonTokens(properties.embeddingDimension()))
                        .build());
    }
}
