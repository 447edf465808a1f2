package dev.warmtier.ops;

import dev.warmtier.engine.InvariantReport;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.StoreStats;
import dev.warmtier.space.SpaceListener;
import dev.warmtier.space.SpaceRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * The {@code warmtier.*} meters, tagged by space only (never by id or slot, whose values are
 * unbounded). They exist exactly while the space is open: registered when it opens and removed
 * just before it closes, so a dropped space leaves no series behind and a request naming a space
 * that does not exist can never create one.
 *
 * <ul>
 *   <li>timers with percentile histograms: {@code warmtier.store} (each attempt to write a memory by
 *       PUT, POST, PATCH or a batch item), {@code warmtier.get}, {@code warmtier.delete},
 *       {@code warmtier.batch} (a whole batch request); a plain timer {@code warmtier.check} (one
 *       invariant check);</li>
 *   <li>gauges read from the engine's cheap counters: {@code warmtier.slots.allocated},
 *       {@code .live}, {@code .capacity}, {@code warmtier.content} and {@code warmtier.content.live}
 *       (bytes), {@code warmtier.check.violations} (violations in the latest check);</li>
 *   <li>counters: {@code warmtier.invariant.violations} (found by checks, summed over checks),
 *       {@code warmtier.read.checksum.failures}, {@code warmtier.recovery.discarded},
 *       {@code warmtier.recoveries}, {@code warmtier.growth.events}, {@code warmtier.flush.failures},
 *       {@code warmtier.writes.abandoned}.</li>
 * </ul>
 */
@Component
public class WarmTierMeters implements SpaceListener {

    /** Operations are microseconds; the default histogram range starts at a millisecond. */
    private static final Duration FASTEST = Duration.ofNanos(1_000);
    private static final Duration SLOWEST = Duration.ofSeconds(30);

    /** Marks "no check of this store has finished yet" (or the last one could not read it). */
    private static final long UNKNOWN = -1;

    /**
     * The meters of one open space, and the store they are about: a check of a dropped store
     * that finishes after its space was created again must not count for the new one.
     */
    private record SpaceMeters(MemoryStore source, Timer store, Timer get, Timer delete, Timer batch, Timer recall,
                               Timer check,
                               Counter violationsFound, AtomicLong latestViolations, List<Meter> all) {
    }

    private final MeterRegistry registry;
    /** Meters per open space; entries added and removed only by the registry's lifecycle callbacks. */
    private final Map<String, SpaceMeters> spaces = new ConcurrentHashMap<>();

    public WarmTierMeters(MeterRegistry registry, SpaceRegistry spaceRegistry) {
        this.registry = registry;
        spaceRegistry.addListener(this);
    }

    /** {@code warmtier_check_stopped}: 1 if the background invariant check has stopped (health is then DOWN). */
    void watchBackgroundCheck(InvariantMonitor monitor) {
        Gauge.builder("warmtier.check.stopped", monitor, m -> m.backgroundCheckStopped() ? 1 : 0)
                .description("1 if the background invariant check has stopped (health is then DOWN), else 0")
                .register(registry);
    }

    /** Runs one write of a memory, timed under {@code warmtier.store} when the space is open. */
    public <T> T timeStore(String space, Supplier<T> operation) {
        return time(space, SpaceMeters::store, operation);
    }

    public <T> T timeGet(String space, Supplier<T> operation) {
        return time(space, SpaceMeters::get, operation);
    }

    public <T> T timeDelete(String space, Supplier<T> operation) {
        return time(space, SpaceMeters::delete, operation);
    }

    public <T> T timeBatch(String space, Supplier<T> operation) {
        return time(space, SpaceMeters::batch, operation);
    }

    public <T> T timeRecall(String space, Supplier<T> operation) {
        return time(space, SpaceMeters::recall, operation);
    }

    /**
     * Records one invariant check of a space's store: its duration, and the violations it found
     * ({@code null} when the check could not read the store: the gauge then shows NaN).
     */
    void checked(String space, MemoryStore store, InvariantReport report, long tookNanos) {
        SpaceMeters meters = spaces.get(space);
        if (meters == null || meters.source() != store) {
            return; // dropped while it was being checked (and perhaps created again)
        }
        meters.check().record(tookNanos, TimeUnit.NANOSECONDS);
        if (report == null) {
            meters.latestViolations().set(UNKNOWN);
            return;
        }
        long violations = report.violations();
        meters.violationsFound().increment(violations);
        meters.latestViolations().set(violations);
    }

    @Override
    public void opened(String name, MemoryStore store) {
        Tags tags = Tags.of("space", name);
        List<Meter> all = new ArrayList<>();
        Timer storeTimer = timer("warmtier.store", "Attempts to write one memory (PUT, POST, PATCH, batch item), "
                + "refused ones included", tags, all);
        Timer get = timer("warmtier.get", "Attempts to read one memory, 404s included", tags, all);
        Timer delete = timer("warmtier.delete", "Attempts to delete one memory, 404s included", tags, all);
        Timer batch = timer("warmtier.batch", "Batch requests, whole", tags, all);
        Timer recall = timer("warmtier.recall", "Recalls of the space, refused ones included", tags, all);
        Timer check = Timer.builder("warmtier.check").description("Invariant checks of the space (background "
                + "checks are paced, so they take longer than on-demand ones)").tags(tags).register(registry);
        all.add(check);
        AtomicLong latestViolations = new AtomicLong(UNKNOWN);

        gauge("warmtier.slots.allocated", "Slots below the allocator's next-slot mark", null, store, tags, all,
                s -> s.stats().slotsAllocated());
        gauge("warmtier.slots.live", "Ids whose latest version is a memory", null, store, tags, all,
                s -> s.stats().slotsLive());
        gauge("warmtier.slots.capacity", "Slots the mapped slot file holds", null, store, tags, all,
                s -> s.stats().slotCapacity());
        gauge("warmtier.content", "End offset of the content log", "bytes", store, tags, all,
                s -> s.stats().contentBytes());
        gauge("warmtier.content.live", "Content log bytes of live memories' records", "bytes", store, tags, all,
                s -> s.stats().liveContentBytes());
        gauge("warmtier.check.violations", "Violations the latest invariant check found (NaN: none finished, or "
                + "it could not read the space)", null, latestViolations, tags, all,
                v -> v.get() == UNKNOWN ? Double.NaN : v.get());

        Counter violationsFound = Counter.builder("warmtier.invariant.violations")
                .description("Invariant violations found by checks, summed over all checks (a violation that "
                        + "persists counts at every check; warmtier_check_violations is the current number)").tags(tags)
                .register(registry);
        all.add(violationsFound);
        counter("warmtier.read.checksum.failures", "Committed slots or records that failed their checksum on a read",
                store, tags, all, s -> s.stats().readChecksumFailures());
        counter("warmtier.recovery.discarded", "Slots and records the recovery at open threw away", store, tags, all,
                s -> s.recovery().discarded());
        counter("warmtier.recoveries", "Opens that rebuilt existing files by a scan (no valid clean-shutdown mark)", store, tags, all,
                s -> s.recovery().recovered() ? 1 : 0);
        counter("warmtier.growth.events", "Chunks added to the slot file or the content log", store, tags, all,
                s -> s.stats().growthEvents());
        counter("warmtier.flush.failures", "Background flushes that failed (retried)", store, tags, all,
                s -> s.stats().flushFailures());
        counter("warmtier.flushes", "Rounds of the interval flusher that completed (0 in other durability modes)",
                store, tags, all, MemoryStore::flushes);
        gauge("warmtier.flush.stopped", "1 if the space's interval flusher has stopped (health is then DOWN), "
                + "else 0", null, store, tags, all, s -> s.flusherStopped() ? 1 : 0);
        counter("warmtier.writes.abandoned", "Claimed slots given up by a failed precondition or write", store, tags,
                all, s -> s.stats().abandonedWrites());

        counter("warmtier.compaction.runs", "Compactions that finished: a new generation became current", store,
                tags, all, s -> s.compactionStats().runs());
        counter("warmtier.compaction.failures", "Compactions that gave up without changing anything (no room, a "
                + "full disk, a close)", store, tags, all, s -> s.compactionStats().failures());
        all.add(FunctionCounter.builder("warmtier.compaction.reclaimed", store, s -> s.compactionStats().bytesReclaimed())
                .description("Data-file bytes compactions gave back to the file system").baseUnit("bytes").tags(tags)
                .register(registry));
        all.add(FunctionTimer.builder("warmtier.compaction.duration", store, s -> s.compactionStats().runs(),
                        s -> s.compactionStats().totalMillis(), TimeUnit.MILLISECONDS)
                .description("Time finished compactions took, from start to the old generation deleted").tags(tags)
                .register(registry));
        gauge("warmtier.compaction.pause", "How long operations waited for the last compaction's switch", "seconds",
                store, tags, all, s -> s.compactionStats().last().map(r -> r.pausedMicros() / 1e6).orElse(0.0));
        gauge("warmtier.slots.dead.share", "Share of allocated slots that hold no live memory (replaced, deleted, "
                + "abandoned): what a compaction would reclaim", null, store, tags, all, WarmTierMeters::deadShare);

        counter("warmtier.recall.scanned", "Live memories recalls scored (a recall scores every live memory of "
                + "the space, again when a compaction's switch made it start over)", store, tags, all,
                MemoryStore::recallScanned);

        spaces.put(name, new SpaceMeters(store, storeTimer, get, delete, batch, recall, check, violationsFound,
                latestViolations, List.copyOf(all)));
    }

    /** Allocated slots that hold no live memory, as a share of all allocated slots (0 for an empty space). */
    public static double deadShare(MemoryStore store) {
        StoreStats stats = store.stats();
        return stats.slotsAllocated() == 0 ? 0 : (double) (stats.slotsAllocated() - stats.slotsLive()) / stats.slotsAllocated();
    }

    @Override
    public void closing(String name) {
        SpaceMeters meters = spaces.remove(name);
        if (meters != null) {
            meters.all().forEach(registry::remove);
        }
    }

    private <T> T time(String space, Function<SpaceMeters, Timer> which, Supplier<T> operation) {
        SpaceMeters meters = spaces.get(space);
        if (meters == null) {
            return operation.get(); // not an open space: the operation answers 404, and no meter is made
        }
        long started = System.nanoTime();
        try {
            return operation.get();
        } finally {
            which.apply(meters).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    private Timer timer(String name, String description, Tags tags, List<Meter> all) {
        Timer timer = Timer.builder(name).description(description).tags(tags)
                .publishPercentileHistogram().minimumExpectedValue(FASTEST).maximumExpectedValue(SLOWEST)
                .register(registry);
        all.add(timer);
        return timer;
    }

    private <S> void gauge(String name, String description, String unit, S source, Tags tags, List<Meter> all,
                           ToDoubleFunction<S> value) {
        all.add(Gauge.builder(name, source, value).description(description).baseUnit(unit).tags(tags)
                .strongReference(true).register(registry));
    }

    private void counter(String name, String description, MemoryStore store, Tags tags, List<Meter> all,
                         ToDoubleFunction<MemoryStore> value) {
        all.add(FunctionCounter.builder(name, store, value).description(description).tags(tags).register(registry));
    }
}
