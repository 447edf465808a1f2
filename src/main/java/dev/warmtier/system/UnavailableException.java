package dev.warmtier.system;

/**
 * Something a request named exists but cannot serve now, for a reason only an operator can clear:
 * answered 503 with Retry-After, the message as the problem's detail. Features extend it (a space
 * whose files could not be opened), so this package maps the status without knowing them.
 */
public class UnavailableException extends RuntimeException {

    public UnavailableException(String message) {
        super(message);
    }
}
