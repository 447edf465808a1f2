package dev.warmtier.engine;

/** Base of the engine's own failures; each subclass names one thing a caller can act on. */
public class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
