package dev.warmtier.engine;

import java.util.Optional;

/**
 * The compactions of one store since it opened.
 *
 * @param runs           compactions that finished (their new generation is current)
 * @param failures       compactions that gave up (refused for room, a full disk, a close); none changed anything
 * @param bytesReclaimed data-file bytes given back to the file system, all runs together
 * @param totalMillis    time the finished runs took, together
 * @param running        whether one runs now
 * @param last           the last finished one
 */
public record CompactionStats(long runs, long failures, long bytesReclaimed, long totalMillis, boolean running,
                              Optional<CompactionReport> last) {
}
