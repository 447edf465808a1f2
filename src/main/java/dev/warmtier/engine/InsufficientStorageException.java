package dev.warmtier.engine;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The file system had no room for the chunk a write needed. Nothing was stored; reads go on, and
 * the next write tries to grow again, so writes resume once room exists.
 */
public final class InsufficientStorageException extends StoreException {

    /** What a client may be told: no file names. */
    private final String clientDetail;

    public InsufficientStorageException(String message, Throwable cause) {
        this(message, "the disk is full; reads keep working, writes resume once there is room", cause);
    }

    public InsufficientStorageException(String message, String clientDetail, Throwable cause) {
        super(message, cause);
        this.clientDetail = clientDetail;
    }

    /** The message without file names, for a client. */
    public String clientDetail() {
        return clientDetail;
    }

    /**
     * What an I/O failure on a store's files becomes: this exception, saying {@code noRoom}, when
     * the file system is out of space or quota; an {@link UncheckedIOException} saying
     * {@code failed} otherwise.
     */
    static RuntimeException orUnchecked(IOException e, String noRoom, String failed) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left") || message.contains("Disk quota exceeded")
                || message.contains("There is not enough space")) {
            return new InsufficientStorageException(noRoom, e);
        }
        return new UncheckedIOException(failed, e);
    }
}
