package dev.warmtier.ops;

import dev.warmtier.engine.MemoryStore;
import dev.warmtier.space.SpaceRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The {@code warmTier} health component: DOWN when the latest check of a space found a violation
 * or could not read it, when a space could not be opened at startup, or when a background task (a
 * space's interval flusher, the periodic check) has stopped. Reads the latest checks (the background
 * check keeps them fresh) rather
 * than scanning on every probe; a space never checked is checked once, here.
 */
@Component("warmTier")
public class WarmTierHealthIndicator implements HealthIndicator {

    private final InvariantMonitor monitor;
    private final SpaceRegistry spaces;

    public WarmTierHealthIndicator(InvariantMonitor monitor, SpaceRegistry spaces) {
        this.monitor = monitor;
        this.spaces = spaces;
    }

    @Override
    public Health health() {
        boolean healthy = true;
        Map<String, Object> details = new LinkedHashMap<>();
        for (Map.Entry<String, InvariantMonitor.Outcome> e : monitor.latest().entrySet()) {
            InvariantMonitor.Outcome outcome = e.getValue();
            healthy &= outcome.healthy();
            Map<String, Object> space = new LinkedHashMap<>();
            if (outcome.failure() != null) {
                space.put("error", outcome.failure());
            } else {
                space.put("slotsAllocated", outcome.report().slotsAllocated());
                space.put("slotsLive", outcome.report().slotsLive());
                space.put("slotCapacity", outcome.report().slotCapacity());
                space.put("contentBytes", outcome.report().contentBytes());
                space.put("liveContentBytes", outcome.report().liveContentBytes());
                space.put("violations", outcome.report().violations());
            }
            space.put("checkedAt", outcome.at().toString());
            details.put(e.getKey(), space);
        }
        for (Map.Entry<String, String> e : spaces.unavailable().entrySet()) {
            healthy = false;
            details.put(e.getKey(), Map.of("error", "could not be opened at startup: " + e.getValue()));
        }
        Map<String, Object> stopped = new LinkedHashMap<>();
        if (monitor.backgroundCheckStopped()) {
            stopped.put("invariantCheck", "stopped");
        }
        for (String name : spaces.names()) {
            if (spaces.get(name).map(MemoryStore::flusherStopped).orElse(false)) {
                stopped.put("flush:" + name, "stopped");
            }
        }
        healthy &= stopped.isEmpty();
        Health.Builder health = healthy ? Health.up() : Health.down();
        if (!stopped.isEmpty()) {
            health.withDetail("backgroundTasks", stopped);
        }
        return health.withDetail("spaces", details)
                .withDetail("freeDiskBytes", spaces.dataDir().toFile().getUsableSpace())
                .build();
    }
}
