package dev.warmtier.engine;

import java.util.List;

/**
 * One page of a scan, in id order.
 *
 * @param more whether a live memory after the last one was seen, left out by the limit or the byte bound
 */
public record ScanPage(List<StoredMemory> memories, boolean more) {
}
