package dev.warmtier.system;

/** An Accept header no answer of the service can satisfy; answered 406 before anything runs. */
public class NotAcceptableException extends RuntimeException {

    public NotAcceptableException(String message) {
        super(message);
    }
}
