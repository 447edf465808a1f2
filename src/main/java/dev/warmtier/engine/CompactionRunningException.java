package dev.warmtier.engine;

/** A compaction of the store was asked for while one is running; the running one goes on. */
public final class CompactionRunningException extends StoreException {

    public CompactionRunningException(String message) {
        super(message);
    }
}
