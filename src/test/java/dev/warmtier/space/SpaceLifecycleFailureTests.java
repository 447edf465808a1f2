package dev.warmtier.space;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warmtier.engine.AtomicSlotAllocator;
import dev.warmtier.engine.Durability;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreLockedException;
import dev.warmtier.system.WarmTierProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * A space create that fails leaves nothing behind, and one space that cannot be opened at
 * startup never stops the others: it is reported, answers as unavailable, and can be dropped.
 */
class SpaceLifecycleFailureTests {

    private static final int DIMENSION = 4;

    @TempDir
    Path dataDir;

    private final AtomicBoolean failOpens = new AtomicBoolean();

    /** A registry whose stores fail to open while {@link #failOpens} is set (their allocator cannot be made). */
    private SpaceRegistry open() {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("failing", (StoreOptionsCustomizer) options -> options.withAllocator(mark -> {
            if (failOpens.get()) {
                throw new IllegalStateException("injected: this store cannot be opened");
            }
            return new AtomicSlotAllocator(mark);
        }));
        return new SpaceRegistry(new WarmTierProperties(dataDir, DIMENSION, Durability.NONE, Duration.ofMillis(100),
                1024), beans.getBeanProvider(StoreOptionsCustomizer.class));
    }

    private static MemoryWrite memory(String content) {
        return new MemoryWrite(content, new float[DIMENSION], 0.5f, 0f, 0.1f);
    }

    @Test
    void aCreateThatFailsLeavesNoDirectoryAndNoSpaceAfterARestart() throws Exception {
        try (SpaceRegistry registry = open()) {
            failOpens.set(true);
            assertThatThrownBy(() -> registry.create("beta")).hasMessageContaining("injected");
            failOpens.set(false);
            assertThat(registry.names()).containsExactly("default");
            try (var entries = Files.list(dataDir)) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("default");
            }
            assertThat(registry.create("beta")).as("the name is free for a create that works").isTrue();
            registry.get("beta").orElseThrow().put("m", memory("after the failed create"));
        }
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("beta", "default");
            assertThat(registry.unavailable()).isEmpty();
        }
    }

    @Test
    void aCreateCutShortByACrashIsUndoneAtStartup() throws Exception {
        // What a crash between making the files and the rename leaves.
        Path staging = dataDir.resolve("gamma" + SpaceRegistry.CREATING_SUFFIX);
        Files.createDirectories(staging);
        Files.write(staging.resolve("slots.dat"), new byte[4096]);
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("default");
            assertThat(registry.unavailable()).isEmpty();
        }
        assertThat(staging).doesNotExist();
    }

    @Test
    void aSpaceThatCannotBeOpenedAtStartupIsReportedAndTheOthersServe() throws Exception {
        try (SpaceRegistry registry = open()) {
            registry.create("alpha");
            registry.create("broken");
            registry.get("alpha").orElseThrow().put("m", memory("alpha serves"));
        }
        // Not a slot file at all: a header that is whole, not zero, and not a warmtier header.
        byte[] garbage = new byte[4096];
        Arrays.fill(garbage, (byte) 0x5A);
        Files.write(dataDir.resolve("broken/slots.dat"), garbage);

        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("alpha", "default");
            assertThat(registry.unavailable()).containsOnlyKeys("broken");
            assertThat(registry.unavailable().get("broken")).contains("slots.dat", "not a warmtier slot file");
            assertThat(registry.get("alpha").orElseThrow().get("m").orElseThrow().content()).isEqualTo("alpha serves");
            assertThatThrownBy(() -> registry.get("broken")).isInstanceOf(SpaceUnavailableException.class)
                    .hasMessageNotContaining(dataDir.toString());
            assertThatThrownBy(() -> registry.create("broken")).isInstanceOf(SpaceUnavailableException.class);
            assertThat(registry.get("nope")).isEmpty();

            assertThat(registry.drop("broken")).as("an unavailable space can be dropped").isTrue();
            assertThat(registry.unavailable()).isEmpty();
            assertThat(dataDir.resolve("broken")).doesNotExist();
        }
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("alpha", "default");
            assertThat(registry.unavailable()).isEmpty();
        }
    }

    @Test
    void aDefaultSpaceThatCannotBeOpenedLeavesTheOthersServing() throws Exception {
        try (SpaceRegistry registry = open()) {
            registry.create("alpha");
            registry.get("default").orElseThrow().put("m", memory("in default"));
        }
        byte[] log = Files.readAllBytes(dataDir.resolve("default/content.log"));
        Files.delete(dataDir.resolve("default/content.log")); // an incomplete restore
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("alpha");
            assertThat(registry.unavailable()).containsOnlyKeys("default");
            assertThat(registry.unavailable().get("default")).contains("content.log", "is missing");
            assertThat(registry.get("alpha")).isPresent();
        }
        Files.write(dataDir.resolve("default/content.log"), log); // the restore completed
        try (SpaceRegistry registry = open()) {
            assertThat(registry.unavailable()).isEmpty();
            assertThat(registry.get("default").orElseThrow().get("m").orElseThrow().content()).isEqualTo("in default");
        }
    }

    @Test
    void aDataDirHeldByAnotherProcessStillStopsStartup() {
        try (SpaceRegistry first = open()) {
            assertThat(first.names()).contains("default");
            assertThatThrownBy(this::open).isInstanceOf(StoreLockedException.class);
        }
    }

    @Test
    void aDroppedSpaceStaysDroppedWhenTheDroppingThreadIsInterrupted() throws Exception {
        try (SpaceRegistry registry = open()) {
            registry.create("alpha");
            registry.get("alpha").orElseThrow().put("m", memory("dropped"));
            Thread.currentThread().interrupt();
            try {
                assertThat(registry.drop("alpha")).isTrue();
                assertThat(Thread.currentThread().isInterrupted()).as("the caller keeps its flag").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(dataDir.resolve("alpha")).doesNotExist();
            assertThat(dataDir.resolve("alpha" + SpaceRegistry.DROPPED_SUFFIX)).doesNotExist();
        }
        try (SpaceRegistry registry = open()) {
            assertThat(registry.names()).containsExactly("default");
        }
    }
}
