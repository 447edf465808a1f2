package dev.warmtier.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A store's directory and the file-system steps every file in it shares: a file created, renamed
 * or deleted is on disk only once its directory is forced, and a channel closed after a failure
 * must not hide that failure. The space registry, which makes and drops store directories, uses
 * the two public steps.
 *
 * <p>Threads: no state; the thread opening, closing or changing a store's files calls it.
 */
public final class StoreDirectory {

    private StoreDirectory() {
    }

    /**
     * Whether {@code dir} holds a store: a slot file of generation 0, or a {@code CURRENT} naming a
     * later generation (a compacted store has no slot file at the top). A directory with neither was
     * never one.
     */
    public static boolean holdsStore(Path dir) {
        return Files.isRegularFile(dir.resolve(SlotFile.FILE_NAME)) || Files.isRegularFile(dir.resolve(Generation.CURRENT_FILE));
    }

    /** Forces the entries of {@code dir} to disk: files created, renamed or deleted in it are durable after this. */
    public static void force(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Creates {@code dir} when it is missing, durably: its parent is forced after. */
    static void create(Path dir, Forcer forcer) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                forcer.forceDirectory(parent);
            }
        }
    }

    /**
     * Renames {@code from} to {@code to} in one atomic step, replacing {@code to} if it exists, and
     * forces the directory: a crash leaves either the old file or the new one, never neither.
     */
    static void rename(Path from, Path to, Forcer forcer) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        forcer.forceDirectory(to.toAbsolutePath().getParent());
    }

    /** Closes {@code resource} when there is one, after a failure or with nothing left to report. */
    static void closeQuietly(Closeable resource) {
        if (resource != null) {
            try {
                resource.close();
            } catch (IOException ignored) {
                // Closing after a failure, or with nothing unforced: the first failure is the one reported.
            }
        }
    }
}
