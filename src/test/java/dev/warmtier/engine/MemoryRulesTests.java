package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The edges of each rule: the last value allowed is allowed, the first one past it is not. */
class MemoryRulesTests {

    private static final int DIMENSION = 2;

    private static MemoryWrite scalars(float confidence, float activation, float decayRate) {
        return new MemoryWrite("c", null, confidence, activation, decayRate);
    }

    @Test
    void confidenceAndActivationMayBeExactlyZeroOrOne() {
        for (float edge : new float[] {0f, 1f}) {
            assertThatCode(() -> MemoryRules.check(scalars(edge, edge, 0.1f), DIMENSION)).doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> MemoryRules.check(scalars(Math.nextUp(1f), 0f, 0.1f), DIMENSION))
                .hasMessageStartingWith("confidence:");
        assertThatThrownBy(() -> MemoryRules.check(scalars(0.5f, -Float.MIN_VALUE, 0.1f), DIMENSION))
                .hasMessageStartingWith("activation:");
    }

    @Test
    void aDecayRateOfZeroIsAllowedAndBelowZeroIsNot() {
        assertThatCode(() -> MemoryRules.check(scalars(0.5f, 0f, 0f), DIMENSION)).doesNotThrowAnyException();
        assertThatThrownBy(() -> MemoryRules.check(scalars(0.5f, 0f, -Float.MIN_VALUE), DIMENSION))
                .hasMessageStartingWith("decayRate:");
    }

    @Test
    void contentOfExactlyTheLimitIsAllowedAndOneByteMoreIsNot() {
        assertThatCode(() -> MemoryRules.contentBytes("é".repeat(5), 10)).doesNotThrowAnyException();
        assertThatThrownBy(() -> MemoryRules.contentBytes("é".repeat(5) + "x", 10))
                .isInstanceOf(ContentTooLargeException.class).hasMessageContaining("at most 10");
    }
}
