package dev.warmtier.engine;

/**
 * The store's files were made for another embedding dimension than the one it is opened with: a
 * setting of the whole data dir is wrong, not one store's files.
 */
public final class DimensionMismatchException extends StoreFormatException {

    public DimensionMismatchException(String message) {
        super(message);
    }
}
