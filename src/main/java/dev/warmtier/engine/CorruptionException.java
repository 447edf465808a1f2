package dev.warmtier.engine;

/** A committed slot or content record failed its checksum or its consistency checks on read. */
public final class CorruptionException extends StoreException {

    public CorruptionException(String message) {
        super(message);
    }
}
