package dev.warmtier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The small tmpfs that {@code .ci/run} mounts for the disk-full tests (16 MiB, through
 * {@code .ci/small-tmpfs.sh}), named by {@code -Dwarmtier.test.tmpfs=DIR} or the environment
 * variable {@code WARMTIER_TEST_TMPFS}. Without one the test is skipped, saying why; under
 * {@code CI=true} it fails instead, so CI cannot pass without running it.
 *
 * <p>{@link #acquire()} holds an exclusive lock on the file system, so tests that fill it (in
 * this JVM or another) take turns, and gives each a fresh directory that closing deletes.
 */
public final class SmallTmpfs implements AutoCloseable {

    public static final String PROPERTY = "warmtier.test.tmpfs";
    public static final String VARIABLE = "WARMTIER_TEST_TMPFS";
    /** Larger would let a store's growth steps outgrow what the tests free. */
    private static final long MAX_BYTES = 64L << 20;

    private final Path root;
    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private SmallTmpfs(Path root, Path dir, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** The mounted small tmpfs, taken for this test alone, or a skip (a failure under CI=true). */
    public static SmallTmpfs acquire() throws IOException {
        String where = System.getProperty(PROPERTY, System.getenv(VARIABLE));
        Path root = where == null || where.isBlank() ? null : Path.of(where);
        String problem = null;
        if (root == null) {
            problem = "no small tmpfs given (-D" + PROPERTY + "=DIR or " + VARIABLE + "; .ci/run mounts one as root"
                    + " with .ci/small-tmpfs.sh)";
        } else if (!Files.isDirectory(root) || !"tmpfs".equals(Files.getFileStore(root).type())) {
            problem = root + " is not a mounted tmpfs";
        } else if (Files.getFileStore(root).getTotalSpace() > MAX_BYTES) {
            problem = root + " holds " + Files.getFileStore(root).getTotalSpace() + " bytes; the disk-full tests need"
                    + " at most " + MAX_BYTES;
        }
        if (problem != null) {
            Prerequisites.unmet("the disk-full test cannot run: " + problem);
        }
        FileChannel channel = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock();
        Path dir = root.resolve("test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        deleteAllBut(root, root.resolve(".lock")); // whatever a killed earlier run left
        Files.createDirectories(dir);
        return new SmallTmpfs(root, dir, channel, lock);
    }

    /** A fresh directory on the tmpfs, deleted by {@link #close()}. */
    public Path dir() {
        return dir;
    }

    public FileStore store() throws IOException {
        return Files.getFileStore(root);
    }

    /** Writes a file of zeros of {@code bytes} (the tmpfs allocates them), or until the file system is full. */
    public Path fill(String name, long bytes) throws IOException {
        Path file = root.resolve(name);
        ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < bytes) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - written));
                try {
                    written += channel.write(zeros);
                } catch (IOException e) {
                    if (String.valueOf(e.getMessage()).contains("No space left")) {
                        break;
                    }
                    throw e;
                }
            }
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            deleteAllBut(root, root.resolve(".lock"));
        } finally {
            lock.release();
            lockChannel.close();
        }
    }

    private static void deleteAllBut(Path root, Path keep) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (!path.equals(root) && !path.equals(keep)) {
                    try {
                        Files.delete(path);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot clean " + path, e);
                    }
                }
            }
        }
    }
}
