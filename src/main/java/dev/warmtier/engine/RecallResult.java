package dev.warmtier.engine;

import java.util.List;

/**
 * The answer of a recall.
 *
 * @param hits     best first, ties by id; at most k, fewer only when fewer live memories pass the filters
 * @param scanned  live memories scored, over every pass (a pass starts again after a generation switch)
 * @param passes   scans made: 1 unless a compaction switched generations meanwhile, or two versions of an
 *                 id replaced meanwhile took two places among the best
 */
public record RecallResult(List<RecallHit> hits, long scanned, int passes) {
}
