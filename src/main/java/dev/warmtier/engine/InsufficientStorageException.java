package dev.warmtier.engine;

/**
 * The file system had no room for the chunk a write needed. Nothing was stored; reads go on, and
 * the next write tries to grow again, so writes resume once room exists.
 */
public final class InsufficientStorageException extends StoreException {

    public InsufficientStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
