package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Holds a store directory for one process with an OS file lock, which the kernel frees when the
 * process dies however it dies. No PID is written: PIDs repeat across containers.
 *
 * <p>Threads: acquired by the thread opening the store, released by the one closing it.
 */
final class DataDirLock implements AutoCloseable {

    static final String FILE_NAME = "lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(Path dir) {
        Path path = dir.resolve(FILE_NAME);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open lock file " + path, e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            StoreDirectory.closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + path, e);
        }
        if (lock == null) {
            StoreDirectory.closeQuietly(channel);
            throw new StoreLockedException("data dir " + dir.toAbsolutePath()
                    + " is already in use by another warmtier process (lock held on " + path.getFileName()
                    + "); stop it or choose another warmtier.data-dir");
        }
        return new DataDirLock(channel, lock);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it too.
        }
        StoreDirectory.closeQuietly(channel);
    }
}
