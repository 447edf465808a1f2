package dev.warmtier.system;

/** A request body past the configured limit; answered 413. */
public class PayloadTooLargeException extends RuntimeException {

    public PayloadTooLargeException(String message) {
        super(message);
    }
}
