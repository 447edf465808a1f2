package dev.warmtier.system;

/** An If-Match or If-None-Match that does not hold; answered 412. */
public class PreconditionFailedException extends RuntimeException {

    public PreconditionFailedException(String message) {
        super(message);
    }
}
