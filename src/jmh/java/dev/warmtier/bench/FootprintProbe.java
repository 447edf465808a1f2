package dev.warmtier.bench;

import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Disk used by one space with the production defaults: empty, and holding 3,000 memories of 768
 * floats and 200 bytes of content, each measured after a clean close (every file included).
 *
 * <p>Run after {@code ./mvnw -Pbench verify -DskipTests -Djmh.args=-l}:
 * {@code java -cp target/classes:target/test-classes:$(cat target/test-classpath.txt) dev.warmtier.bench.FootprintProbe}
 */
public final class FootprintProbe {

    private FootprintProbe() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Files.createTempDirectory("warmtier-footprint");
        Path empty = root.resolve("empty");
        MemoryStore.open(empty, StoreOptions.defaults()).close();
        report("empty space", empty);
        Path full = root.resolve("full");
        try (MemoryStore store = MemoryStore.open(full, StoreOptions.defaults())) {
            float[] embedding = new float[StoreOptions.DEFAULT_DIMENSION];
            for (int i = 0; i < 3_000; i++) {
                for (int d = 0; d < embedding.length; d++) {
                    embedding[d] = (float) Math.sin(i * 31 + d);
                }
                store.put("memory-" + i, new MemoryWrite("x".repeat(200), embedding, 0.7f, 0f, 0.1f));
            }
        }
        report("3000 memories", full);
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void report(String what, Path dir) throws IOException {
        Process du = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
        String allocated = new String(du.getInputStream().readAllBytes()).trim().split("\\s+")[0];
        StringBuilder files = new StringBuilder();
        long apparent = 0;
        try (Stream<Path> paths = Files.list(dir)) {
            for (Path p : paths.sorted().toList()) {
                long size = Files.size(p);
                apparent += size;
                files.append(' ').append(p.getFileName()).append('=').append(size);
            }
        }
        System.out.printf("%s: du %s KiB, files %d bytes:%s%n", what, allocated, apparent, files);
    }
}
