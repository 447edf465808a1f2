package dev.warmtier.engine;

/** An operation reached a store that is closing or closed. */
public final class StoreClosedException extends StoreException {

    public StoreClosedException(String message) {
        super(message);
    }
}
