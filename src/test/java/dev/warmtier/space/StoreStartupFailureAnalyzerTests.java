package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.engine.CorruptionException;
import dev.warmtier.engine.InsufficientStorageException;
import dev.warmtier.engine.StoreFormatException;
import dev.warmtier.engine.StoreLockedException;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** The analysis texts; that Boot finds the analyzer at startup is shown by {@link SpaceLifecycleTests}. */
class StoreStartupFailureAnalyzerTests {

    private final StoreStartupFailureAnalyzer analyzer = new StoreStartupFailureAnalyzer();

    @Test
    void lockedDataDirPointsAtTheOtherProcessAndTheDataDirProperty() {
        FailureAnalysis analysis = analyzer.analyze(wrapped(new StoreLockedException("data dir /x is already in use")));

        assertThat(analysis.getDescription()).contains("data dir /x is already in use");
        assertThat(analysis.getAction()).contains("other warmtier process").contains("warmtier.data-dir");
    }

    @Test
    void dimensionMismatchPointsAtTheDimensionProperty() {
        FailureAnalysis analysis = analyzer.analyze(wrapped(new StoreFormatException(
                "embedding dimension mismatch: /x was created with embedding dimension 8 but is being opened with 16")));

        assertThat(analysis.getDescription()).contains("created with embedding dimension 8");
        assertThat(analysis.getAction()).contains("warmtier.embedding-dimension").contains("warmtier.data-dir");
    }

    @Test
    void otherFormatProblemsPointAtTheFiles() {
        FailureAnalysis analysis = analyzer.analyze(wrapped(new StoreFormatException(
                "/x/slots.dat is not a warmtier slot file (bad magic)")));

        assertThat(analysis.getDescription()).contains("bad magic");
        assertThat(analysis.getAction()).contains("Move them out").doesNotContain("embedding-dimension");
    }

    @Test
    void fullDiskPointsAtFreeSpace() {
        FailureAnalysis analysis = analyzer.analyze(wrapped(
                new InsufficientStorageException("no room to create /x/slots.dat", new IOException("No space left"))));

        assertThat(analysis.getAction()).contains("Free disk space");
    }

    @Test
    void leavesOtherFailuresToBoot() {
        assertThat(analyzer.analyze(wrapped(new CorruptionException("slot 3 fails its checksum")))).isNull();
        assertThat(analyzer.analyze(new IllegalStateException("unrelated"))).isNull();
    }

    private static Throwable wrapped(Throwable cause) {
        return new BeanCreationException("spaceRegistry", "Failed to instantiate", cause);
    }
}
