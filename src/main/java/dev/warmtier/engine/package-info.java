/**
 * The storage engine: memories in memory-mapped files, one {@link MemoryStore} per directory. Plain
 * Java with no Spring types, so it is tested alone, model-checked and benchmarked.
 *
 * <p>Priorities, in order: no two writes share a slot, and an acknowledged write survives what its
 * {@link Durability} mode promises; the store itself reports a broken invariant
 * ({@link InvariantChecker}); reads take no lock, and writes of different ids run in parallel.
 *
 * <h2>Classes and the files they own</h2>
 * <ul>
 * <li>{@link MemoryStore}: the public API and the per-key steps. {@link StoreFiles} opens and closes
 *     the files below together, {@link StoreLoader} loads the index at open (from the snapshot, or
 *     by a scan), {@link StoreDirectory} forces and renames in the directory.
 * <li>{@code slots.dat}: {@link SlotFile}, bytes drawn in {@link SlotLayout}. {@code content.log}:
 *     {@link ContentLog}, drawn in {@link ContentRecordLayout}, recovered by {@link ContentLogRecovery}.
 *     Both are a {@link ChunkedFile}: a {@link HeaderedFile} ({@link HeaderLayout}) and
 *     {@link MappedChunks} sized by a {@link ChunkSeries}. Together they are a {@link Generation}
 *     (in the directory itself, or in {@code gen-<n>/} after a compaction); {@code CURRENT} names the
 *     current one. {@link Compactor} writes the next one and switches to it.
 * <li>{@code version-ceiling}: {@link VersionCeiling} ({@link VersionCeilingLayout}).
 *     {@code clean-shutdown}: {@link CleanShutdown}. {@code lock}: {@link DataDirLock}.
 * <li>A write's slot: {@link SlotAppender}, with numbers from a {@link SlotAllocator}
 *     ({@link AtomicSlotAllocator}); a read: {@link MemoryReader}.
 * <li>Around them: {@link InFlightGate}, {@link IntervalFlusher} (on a {@link BackgroundTask}),
 *     {@link FileIo}, {@link Forcer}, {@link FileExtender}, {@link InvariantChecker} ({@link CheckPace}).
 * </ul>
 *
 * <h2>The write path</h2>
 * <ol>
 * <li>Outside any lock: grow the slot file for the next claim; append the content record (its range
 *     reserved under the log's tail lock, its bytes written and committed outside it); claim a slot
 *     below the mapped capacity with one atomic step; fill and sum the slot's payload.
 * <li>Inside {@code ConcurrentHashMap.compute} on the id, the write's linearization point: check the
 *     precondition, take the next version and cover it with the version ceiling, write version and
 *     times, finish the checksum, publish the slot's state word with release, install the index entry.
 * <li>After it: mark the slot's chunk dirty (and force it now in {@code always} mode), or abandon the
 *     slot when the precondition failed.
 * </ol>
 *
 * <h2>Concurrency contract</h2>
 * <ul>
 * <li>Any number of threads call a store at once. Writes of one id serialize on its compute, so
 *     per id they are ordered by version, the order recovery rebuilds; different ids run in parallel.
 * <li>A slot number comes from one atomic claim, never from a counter read earlier: that is the
 *     read-use-increment slot race, which the tests reproduce on purpose to show they catch it.
 * <li>Readers take no lock: they use a slot or record only after an acquire load of its state word
 *     sees it committed, and committed bytes never change.
 * <li>Chunks are added copy-on-write and never unmapped while the store is open; close waits on the
 *     {@link InFlightGate} until no operation is under way before it unmaps anything. A compaction's
 *     switch pauses the gate (arrivals wait) until it is alone, replaces the active generation, and
 *     unmaps the old one only after the gate reopened, when no operation can reach it. Every
 *     operation reads the active generation once, inside the gate.
 * <li>While the store is open, all I/O on its channels runs on its {@link FileIo} thread, so a
 *     caller's interrupt cannot close a channel. Opening, loading and closing run on one thread.
 * </ul>
 */
package dev.warmtier.engine;
