package dev.warmtier.engine;

/** Another process (or another open store in this one) holds the data directory. */
public final class StoreLockedException extends StoreException {

    public StoreLockedException(String message) {
        super(message);
    }
}
