package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.warmtier.engine.DimensionMismatchException;
import dev.warmtier.engine.StoreLockedException;
import dev.warmtier.support.WarmTierRuns;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** The whole application starting and stopping on a data dir, as {@code ./mvnw spring-boot:run} does. */
@Tag("integration")
@ExtendWith(OutputCaptureExtension.class)
class SpaceLifecycleTests {

    @TempDir
    Path dataDir;

    @Test
    void startupCreatesTheDefaultSpace() {
        try (ConfigurableApplicationContext context = WarmTierRuns.start(dataDir)) {
            assertThat(dataDir.resolve("default/slots.dat")).isRegularFile();
            assertThat(dataDir.resolve("default/content.log")).isRegularFile();
            assertThat(dataDir.resolve("default/clean-shutdown")).as("taken by the open").doesNotExist();
            assertThat(context.getBean(SpaceRegistry.class).names()).containsExactly("default");
        }
    }

    @Test
    void closingTheContextLeavesACleanShutdownMark() {
        ConfigurableApplicationContext context = WarmTierRuns.start(dataDir);

        context.close();

        assertThat(dataDir.resolve("default/clean-shutdown")).isRegularFile();
    }

    @Test
    void aSecondServiceOnTheSameDataDirFailsToStart(CapturedOutput output) {
        try (ConfigurableApplicationContext first = WarmTierRuns.start(dataDir)) {
            Throwable failure = catchThrowable(() -> WarmTierRuns.start(dataDir).close());

            assertThat(failure).isNotNull();
            assertThat(WarmTierRuns.messages(failure)).contains(StoreLockedException.class.getName())
                    .contains("already in use");
            assertThat(output).contains("APPLICATION FAILED TO START")
                    .containsPattern("Description:\\R\\Rdata dir \\S+ is already in use")
                    .contains("Stop the other warmtier process");
            assertThat(first.getBean(SpaceRegistry.class).get("default")).as("the first keeps running").isPresent();
        }
        // The failed start released nothing the first one held, and the first still shuts down cleanly.
        assertThat(dataDir.resolve("default/clean-shutdown")).isRegularFile();
    }

    @Test
    void reopeningWithAnotherEmbeddingDimensionFailsToStart(CapturedOutput output) {
        WarmTierRuns.start(dataDir, "--warmtier.embedding-dimension=8").close();

        Throwable failure = catchThrowable(() -> WarmTierRuns.start(dataDir, "--warmtier.embedding-dimension=16").close());

        assertThat(failure).isNotNull();
        assertThat(WarmTierRuns.messages(failure)).contains(DimensionMismatchException.class.getName())
                .contains("embedding dimension mismatch")
                .contains("created with embedding dimension 8 but is being opened with 16");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("warmtier.embedding-dimension set to the dimension the data dir was created with");
        // Nothing was changed: the original dimension still opens.
        WarmTierRuns.start(dataDir, "--warmtier.embedding-dimension=8").close();
    }
}
