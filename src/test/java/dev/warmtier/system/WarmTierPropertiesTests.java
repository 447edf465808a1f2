package dev.warmtier.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.SlotLayout;
import dev.warmtier.engine.StoreOptions;
import dev.warmtier.support.WarmTierRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class WarmTierPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(PropertiesOnly.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WarmTierProperties.class)
    static class PropertiesOnly {
    }

    @Test
    void defaultsMatchTheContract() {
        runner.run(context -> {
            WarmTierProperties properties = context.getBean(WarmTierProperties.class);
            assertThat(properties.dataDir()).isEqualTo(Path.of("data"));
            assertThat(properties.embeddingDimension()).isEqualTo(768);
            assertThat(properties.durability()).isEqualTo(Durability.INTERVAL);
            assertThat(properties.syncInterval()).isEqualTo(Duration.ofMillis(100));
            assertThat(properties.maxContentBytes()).isEqualTo(1_048_576);
            assertThat(properties.checkInterval()).isEqualTo(Duration.ofSeconds(60));
            assertThat(properties.checkCpuShare()).isEqualTo(0.1);
        });
    }

    @Test
    void bindsEveryPropertyIntoStoreOptions() {
        runner.withPropertyValues("warmtier.data-dir=/tmp/elsewhere", "warmtier.embedding-dimension=16",
                        "warmtier.durability=always", "warmtier.sync-interval=2s", "warmtier.max-content-bytes=4096")
                .run(context -> {
                    WarmTierProperties properties = context.getBean(WarmTierProperties.class);
                    assertThat(properties.dataDir()).isEqualTo(Path.of("/tmp/elsewhere"));
                    StoreOptions options = properties.toStoreOptions();
                    assertThat(options.embeddingDimension()).isEqualTo(16);
                    assertThat(options.durability()).isEqualTo(Durability.ALWAYS);
                    assertThat(options.syncInterval()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(options.maxContentBytes()).isEqualTo(4096);
                });
    }

    @Test
    void acceptsTheLimitsOfEachRange() {
        runner.withPropertyValues("warmtier.embedding-dimension=65536", "warmtier.max-content-bytes=268435456",
                        "warmtier.durability=NONE", "warmtier.sync-interval=1ns")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    // The engine accepts whatever the properties accept.
                    assertThat(context.getBean(WarmTierProperties.class).toStoreOptions().maxContentBytes())
                            .isEqualTo(268_435_456);
                });
        runner.withPropertyValues("warmtier.embedding-dimension=1", "warmtier.max-content-bytes=0")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @ParameterizedTest(name = "dimension {0}")
    @CsvSource({"1", "768", "769", "16368", "16369", "65536"})
    void everyAcceptedDimensionMakesValidStoreOptions(int dimension) {
        WarmTierProperties properties = new WarmTierProperties(Path.of("data"), dimension, Durability.INTERVAL,
                Duration.ofMillis(100), 1_048_576);

        StoreOptions options = properties.toStoreOptions();

        assertThat(options.embeddingDimension()).isEqualTo(dimension);
        int slotSize = SlotLayout.slotSize(dimension);
        long firstBytes = options.slotChunks().first() * slotSize;
        long maxBytes = options.slotChunks().max() * slotSize;
        assertThat(firstBytes).as("first slot chunk bytes at dimension %d, %s", dimension, options.slotChunks())
                .isLessThanOrEqualTo(Math.max(slotSize, StoreOptions.FIRST_CHUNK_BYTES));
        assertThat(maxBytes).as("largest slot chunk bytes at dimension %d, %s", dimension, options.slotChunks())
                .isLessThanOrEqualTo(Math.max(slotSize, StoreOptions.DEFAULT_MAX_CHUNK_BYTES))
                .isGreaterThan(StoreOptions.DEFAULT_MAX_CHUNK_BYTES / 2 - slotSize);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "embedding-dimension, 0",
            "embedding-dimension, 65537",
            "durability, sometimes",
            "sync-interval, -1s",
            "sync-interval, 0ms",
            "max-content-bytes, -1",
            "max-content-bytes, 268435457",
            "check-interval, -1s",
            "check-cpu-share, 0",
            "check-cpu-share, 1.5",
    })
    void rejectsOutOfRangeValuesNamingTheProperty(String property, String value) {
        runner.withPropertyValues("warmtier." + property + "=" + value)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(WarmTierRuns.messages(context.getStartupFailure())).contains("warmtier." + property);
                });
    }

    /** The same values through the real startup path: the service does not start, and says which property is wrong. */
    @ParameterizedTest(name = "--warmtier.{0}={1}")
    @CsvSource({
            "embedding-dimension, 0",
            "durability, sometimes",
            "sync-interval, -1s",
    })
    void badValueStopsStartupNamingTheProperty(String property, String value, @TempDir Path dataDir) {
        Throwable failure = catchThrowable(() -> WarmTierRuns.start(dataDir, "--warmtier." + property + "=" + value).close());

        assertThat(failure).as("startup with --warmtier.%s=%s", property, value).isNotNull();
        assertThat(WarmTierRuns.messages(failure)).contains("warmtier." + property);
        assertThat(dataDir).as("no space is created before the settings are valid").isEmptyDirectory();
    }
}
