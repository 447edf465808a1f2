package dev.warmtier.engine;

/** The content of a write is larger than the store's limit. */
public final class ContentTooLargeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ContentTooLargeException(String message) {
        super(message);
    }
}
