package dev.warmtier.space;

import dev.warmtier.engine.InsufficientStorageException;
import dev.warmtier.engine.StoreException;
import dev.warmtier.engine.StoreFormatException;
import dev.warmtier.engine.StoreLockedException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a store that cannot be opened at startup into Boot's "APPLICATION FAILED TO START"
 * report, with what went wrong and which property to change, instead of a bean-creation stack
 * trace. The engine's messages already name the directory and the conflict, so they are the
 * description as they are. Registered in {@code META-INF/spring.factories}.
 */
class StoreStartupFailureAnalyzer extends AbstractFailureAnalyzer<StoreException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, StoreException cause) {
        if (cause instanceof StoreLockedException) {
            return new FailureAnalysis(
                    cause.getMessage(),
                    "Stop the other warmtier process that uses this data dir, or start this one with a "
                            + "different warmtier.data-dir. Two processes never share a data dir.",
                    cause);
        }
        if (cause instanceof StoreFormatException) {
            boolean dimension = cause.getMessage() != null && cause.getMessage().contains("embedding dimension");
            String action = dimension
                    ? "Start with warmtier.embedding-dimension set to the dimension the data dir was created with, "
                            + "or point warmtier.data-dir at a new directory for the new dimension."
                    : "These files were not written by a compatible warmtier. Move them out of the data dir "
                            + "(or restore them from a backup), or point warmtier.data-dir at another directory.";
            return new FailureAnalysis(cause.getMessage(), action, cause);
        }
        if (cause instanceof InsufficientStorageException) {
            return new FailureAnalysis("The disk is full: " + cause.getMessage(),
                    "Free disk space on the volume that holds warmtier.data-dir, or point it at another volume.",
                    cause);
        }
        return null;
    }
}
