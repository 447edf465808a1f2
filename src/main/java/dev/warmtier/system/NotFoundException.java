package dev.warmtier.system;

/** An unknown space or memory; answered 404. */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
