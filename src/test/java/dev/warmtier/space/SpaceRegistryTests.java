package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.engine.StoreLockedException;
import dev.warmtier.system.WarmTierProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpaceRegistryTests {

    private static final int DIMENSION = 4;

    @TempDir
    Path dataDir;

    private WarmTierProperties properties() {
        return new WarmTierProperties(dataDir, DIMENSION, Durability.NONE, Duration.ofMillis(100), 1024);
    }

    private SpaceRegistry open() {
        return new SpaceRegistry(properties());
    }

    @Test
    void opensTheDefaultSpaceInANewDataDir() {
        Path fresh = dataDir.resolve("not-yet");
        try (SpaceRegistry registry = new SpaceRegistry(
                new WarmTierProperties(fresh, DIMENSION, Durability.NONE, Duration.ofMillis(100), 1024))) {
            assertThat(registry.names()).containsExactly("default");
            assertThat(registry.get("default")).isPresent();
            assertThat(fresh.resolve("default/slots.dat")).isRegularFile();
            assertThat(fresh.resolve("default/content.log")).isRegularFile();
        }
    }

    @Test
    void aCompactedSpaceIsFoundAgainAtTheNextStart() {
        try (SpaceRegistry registry = open()) {
            registry.create("compacted");
            MemoryStore store = registry.get("compacted").orElseThrow();
            store.put("a", new MemoryWrite("first", null, 0.7f, 0f, 0.1f));
            store.put("a", new MemoryWrite("second", null, 0.7f, 0f, 0.1f));
            store.compact();
            assertThat(dataDir.resolve("compacted/slots.dat")).as("generation 0 is gone").doesNotExist();
        }
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).contains("compacted");
            assertThat(registry.get("compacted").orElseThrow().get("a").orElseThrow().content()).isEqualTo("second");
        }
    }

    @Test
    void closeLeavesEverySpaceCleanAndUnlocked() {
        SpaceRegistry registry = open();
        registry.create("alpha");
        MemoryStore alpha = registry.get("alpha").orElseThrow();

        registry.close();

        assertThat(dataDir.resolve("default/clean-shutdown")).isRegularFile();
        assertThat(dataDir.resolve("alpha/clean-shutdown")).isRegularFile();
        assertThat(registry.names()).isEmpty();
        assertThatThrownBy(() -> alpha.get("x")).isInstanceOf(StoreClosedException.class);
        // The locks are free: another registry opens the same dir.
        try (SpaceRegistry again = open()) {
            assertThat(again.names()).containsExactly("alpha", "default");
        }
    }

    @Test
    void reopensExistingSpacesWithTheirData() {
        try (SpaceRegistry registry = open()) {
            registry.create("alpha");
            registry.get("alpha").orElseThrow().put("m-1", memory("kept across restarts"));
        }

        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("alpha", "default");
            assertThat(registry.get("alpha").orElseThrow().get("m-1"))
                    .hasValueSatisfying(m -> assertThat(m.content()).isEqualTo("kept across restarts"));
        }
    }

    @Test
    void ignoresDirectoriesThatAreNotSpaces() throws IOException {
        Files.createDirectories(dataDir.resolve("Upper"));
        Files.createDirectories(dataDir.resolve("ab"));
        Files.createDirectories(dataDir.resolve("empty-but-valid"));
        Files.writeString(dataDir.resolve("notes.txt"), "not a space");

        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("default");
            assertThat(dataDir.resolve("empty-but-valid")).isEmptyDirectory();
        }
    }

    @Test
    void createIsIdempotent() {
        try (SpaceRegistry registry = open()) {
            assertThat(registry.create("alpha")).isTrue();
            MemoryStore first = registry.get("alpha").orElseThrow();

            assertThat(registry.create("alpha")).isFalse();
            assertThat(registry.create("default")).isFalse();
            assertThat(registry.get("alpha")).containsSame(first);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ab", "Alpha", "al.pha", "../up", "a/b", "with space"})
    void createRejectsInvalidNames(String name) {
        try (SpaceRegistry registry = open()) {
            assertThatIllegalArgumentException().isThrownBy(() -> registry.create(name))
                    .withMessageContaining("[a-z0-9_-]{3,64}");
            assertThat(registry.names()).containsExactly("default");
        }
    }

    @Test
    void acceptsNamesAtTheLengthLimits() {
        assertThat(SpaceRegistry.isValidName("abc")).isTrue();
        assertThat(SpaceRegistry.isValidName("a".repeat(64))).isTrue();
        assertThat(SpaceRegistry.isValidName("a".repeat(65))).isFalse();
        assertThat(SpaceRegistry.isValidName(null)).isFalse();
    }

    @Test
    void dropClosesTheStoreAndDeletesItsFiles() {
        try (SpaceRegistry registry = open()) {
            registry.create("alpha");
            MemoryStore alpha = registry.get("alpha").orElseThrow();

            assertThat(registry.drop("alpha")).isTrue();

            assertThat(registry.names()).containsExactly("default");
            assertThat(registry.get("alpha")).isEmpty();
            assertThat(dataDir.resolve("alpha")).doesNotExist();
            assertThat(dataDir.resolve("alpha" + SpaceRegistry.DROPPED_SUFFIX)).doesNotExist();
            assertThatThrownBy(() -> alpha.get("x")).isInstanceOf(StoreClosedException.class);
            assertThat(registry.drop("alpha")).isFalse();
        }
    }

    @Test
    void droppedSpaceCanBeCreatedAgainEmpty() {
        try (SpaceRegistry registry = open()) {
            registry.create("alpha");
            registry.get("alpha").orElseThrow().put("m-1", memory("gone after drop"));
            registry.drop("alpha");

            assertThat(registry.create("alpha")).isTrue();
            assertThat(registry.get("alpha").orElseThrow().get("m-1")).isEmpty();
        }
    }

    @Test
    void theDefaultSpaceCannotBeDropped() {
        try (SpaceRegistry registry = open()) {
            assertThatIllegalArgumentException().isThrownBy(() -> registry.drop("default"));
            assertThat(registry.get("default")).isPresent();
        }
    }

    @Test
    void startupFinishesADropThatACrashInterrupted() throws IOException {
        Path leftover = dataDir.resolve("alpha" + SpaceRegistry.DROPPED_SUFFIX);
        Files.createDirectories(leftover);
        Files.writeString(leftover.resolve("slots.dat"), "half-deleted");

        try (SpaceRegistry registry = open()) {
            assertThat(leftover).doesNotExist();
            assertThat(registry.names()).containsExactly("default");
        }
    }

    @Test
    void aSecondRegistryOnTheSameDataDirFailsAndReleasesWhatItOpened() {
        try (SpaceRegistry first = open()) {
            assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class)
                    .hasMessageContaining("already in use");
            assertThat(first.get("default")).isPresent();
        }
    }

    @Test
    void aFailedStartupClosesTheSpacesItAlreadyOpened() {
        try (SpaceRegistry registry = open()) {
            registry.create("zeta");
        }
        // Hold "zeta" so the registry opens "default" first and then fails on "zeta".
        try (MemoryStore held = MemoryStore.open(dataDir.resolve("zeta"), properties().toStoreOptions())) {
            assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class)
                    .hasMessageContaining(held.directory().getFileName().toString());
        }
        // "default" was released again: a new registry can take both.
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("default", "zeta");
        }
    }

    @Test
    void createAndDropFailAfterClose() {
        SpaceRegistry registry = open();
        registry.close();

        assertThatThrownBy(() -> registry.create("alpha")).isInstanceOf(dev.warmtier.engine.StoreClosedException.class);
        assertThatThrownBy(() -> registry.drop("alpha")).isInstanceOf(dev.warmtier.engine.StoreClosedException.class);
        registry.close(); // a second close does nothing
    }

    private static MemoryWrite memory(String content) {
        return MemoryWrite.of(content);
    }
}
