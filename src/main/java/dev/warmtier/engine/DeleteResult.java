package dev.warmtier.engine;

/**
 * The outcome of a delete.
 *
 * @param version the tombstone's version when deleted; otherwise the live version found (0 when absent)
 */
public record DeleteResult(Status status, long version) {

    public enum Status {
        DELETED, NOT_FOUND, PRECONDITION_FAILED
    }
}
