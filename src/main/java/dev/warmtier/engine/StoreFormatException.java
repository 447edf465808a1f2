package dev.warmtier.engine;

/** The files on disk are not a store this code can open with these options. */
public class StoreFormatException extends StoreException {

    public StoreFormatException(String message) {
        super(message);
    }
}
