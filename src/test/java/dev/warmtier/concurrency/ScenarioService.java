package dev.warmtier.concurrency;

import dev.warmtier.engine.StoreOptions;
import dev.warmtier.support.Memories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The settings every scenario service runs with, correct or racy. Its data dir lives under
 * {@code target/} rather than in a {@code @TempDir}: Spring keeps the context cached after the
 * first class that used it, and a temp dir deleted with that class would pull the files from
 * under the next one. It is emptied once per JVM, before the context that uses it starts.
 */
final class ScenarioService {

    /**
     * Slots per slot-file chunk. Small, so the scenarios' writes cross many chunk boundaries: growth
     * under concurrent writers is where a racy allocation's window is widest.
     */
    static final int SLOTS_PER_CHUNK = 64;
    /** Bytes per content-log chunk; holds the largest record at {@link #MAX_CONTENT_BYTES}. */
    static final int CONTENT_CHUNK_BYTES = 256 * 1024;
    static final int MAX_CONTENT_BYTES = 64 * 1024;

    private ScenarioService() {
    }

    /** An empty directory {@code target/concurrency-scenarios/<name>}. */
    static Path freshDataDir(String name) {
        Path dir = Path.of("target", "concurrency-scenarios", name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    static void register(DynamicPropertyRegistry registry, Path dataDir) {
        registry.add("warmtier.data-dir", dataDir::toString);
        registry.add("warmtier.embedding-dimension", () -> Integer.toString(Memories.DIMENSION));
        registry.add("warmtier.max-content-bytes", () -> Integer.toString(MAX_CONTENT_BYTES));
        registry.add("warmtier.check-interval", () -> "0");
    }

    /** The production options with small chunks (see {@link #SLOTS_PER_CHUNK}). */
    static StoreOptions smallChunks(StoreOptions options) {
        return options.withChunks(SLOTS_PER_CHUNK, CONTENT_CHUNK_BYTES);
    }
}
