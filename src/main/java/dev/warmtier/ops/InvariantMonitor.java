package dev.warmtier.ops;

import dev.warmtier.engine.BackgroundTask;
import dev.warmtier.engine.CheckPace;
import dev.warmtier.engine.InvariantReport;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.space.SpaceListener;
import dev.warmtier.space.SpaceRegistry;
import dev.warmtier.system.WarmTierProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Runs the engine's invariant checker over every space, on demand (the actuator endpoint) and
 * every {@code warmtier.check-interval} in the background, and remembers the latest outcome per
 * space for health. Checks never overlap: the schedule uses a fixed delay on one thread.
 */
@Component
public class InvariantMonitor implements InitializingBean, DisposableBean, SpaceListener {

    private static final Logger log = LoggerFactory.getLogger(InvariantMonitor.class);

    /** The latest check of one space: its report, or why it could not be read. */
    public record Outcome(InvariantReport report, String failure, Instant at) {
        public boolean healthy() {
            return failure == null && report.violations() == 0;
        }
    }

    private final SpaceRegistry spaces;
    private final Duration interval;
    private final double cpuShare;
    /** Latest outcome per space; written by whichever check finished last. */
    private final Map<String, Checked> latest = new ConcurrentHashMap<>();

    /**
     * An outcome and the store it is about. A space dropped and created again under the same name
     * is a new store: an outcome of the old one (even one stored after the drop) never speaks for it.
     */
    private record Checked(MemoryStore store, Outcome outcome) {
    }
    /** The background check; null when {@code warmtier.check-interval} is 0. */
    private BackgroundTask background;

    private final WarmTierMeters meters;

    public InvariantMonitor(SpaceRegistry spaces, WarmTierProperties properties, WarmTierMeters meters) {
        this.spaces = spaces;
        this.interval = properties.checkInterval();
        this.cpuShare = properties.checkCpuShare();
        this.meters = meters;
        spaces.addListener(this);
        meters.watchBackgroundCheck(this);
    }

    @Override
    public void afterPropertiesSet() {
        if (interval.isZero()) {
            return;
        }
        background = BackgroundTask.start("warmtier-invariant-check", interval, this::checkAllInBackground,
                failure -> log.error("Background invariant check failed", failure));
    }

    /** Checks every space now, at full speed; the outcome of each is also kept for health. */
    public Map<String, Outcome> checkAll() {
        return checkAll(() -> CheckPace.UNPACED);
    }

    private Map<String, Outcome> checkAll(Supplier<CheckPace> pace) {
        Map<String, Outcome> outcomes = new TreeMap<>();
        for (String name : spaces.names()) {
            check(name, pace.get()).ifPresent(outcome -> outcomes.put(name, outcome));
        }
        latest.keySet().retainAll(spaces.names());
        return outcomes;
    }

    /** Checks one space now, at full speed; empty when there is no such space. */
    public Optional<Outcome> check(String name) {
        return check(name, CheckPace.UNPACED);
    }

    private Optional<Outcome> check(String name, CheckPace pace) {
        MemoryStore store = spaces.get(name).orElse(null);
        if (store == null) {
            return Optional.empty();
        }
        Outcome outcome;
        long started = System.nanoTime();
        try {
            outcome = new Outcome(store.check(pace), null, Instant.now());
            if (outcome.report().violations() > 0) {
                log.error("Space {} violates its invariants: {}", name, outcome.report());
            }
        } catch (CancellationException e) {
            throw e; // shutting down: no outcome, not a failure of the space
        } catch (StoreClosedException e) {
            if (spaces.get(name).orElse(null) != store) {
                return Optional.empty(); // dropped while it was being checked: nothing to report
            }
            outcome = failed(name, e);
        } catch (RuntimeException e) {
            outcome = failed(name, e);
        }
        meters.checked(name, store, outcome.report(), System.nanoTime() - started);
        latest.put(name, new Checked(store, outcome));
        return Optional.of(outcome);
    }

    private static Outcome failed(String name, RuntimeException e) {
        log.error("Space {} could not be checked", name, e);
        return new Outcome(null, e.getClass().getSimpleName() + ": " + e.getMessage(), Instant.now());
    }

    @Override
    public void opened(String name, MemoryStore store) {
    }

    /** A dropped space's outcome goes with it (and with it the reference to its store). */
    @Override
    public void closing(String name) {
        latest.remove(name);
    }

    /** The latest outcome per space, checking now the spaces (or the stores behind a name) never checked yet. */
    public Map<String, Outcome> latest() {
        Map<String, Outcome> outcomes = new TreeMap<>();
        for (String name : spaces.names()) {
            Checked checked = latest.get(name);
            Outcome outcome = checked == null || checked.store() != spaces.get(name).orElse(null) ? null
                    : checked.outcome();
            if (outcome == null) {
                outcome = check(name).orElse(null);
            }
            if (outcome != null) {
                outcomes.put(name, outcome);
            }
        }
        return outcomes;
    }

    /**
     * The background check: paced to {@code warmtier.check-cpu-share} of a core, so a large space
     * costs time, not a core. Anything else it throws is reported by {@link BackgroundTask}, which
     * keeps the schedule.
     */
    private void checkAllInBackground() {
        try {
            checkAll(() -> CheckPace.cpuShare(cpuShare));
        } catch (CancellationException e) {
            log.debug("Background invariant check stopped by shutdown");
        }
    }

    /** Whether the background check's schedule ended while the service runs (never expected). */
    public boolean backgroundCheckStopped() {
        return background != null && background.stopped();
    }

    @Override
    public void destroy() {
        if (background != null) {
            background.closeNow(); // interrupts a paced check, which then stops at its next pause
        }
    }
}
