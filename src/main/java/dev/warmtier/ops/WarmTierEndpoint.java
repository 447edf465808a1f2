package dev.warmtier.ops;

import dev.warmtier.engine.CompactionStats;
import dev.warmtier.engine.InvariantReport;
import dev.warmtier.space.SpaceRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/warmtier}: checks the invariants of every space now and reports them in the
 * contract's shape, with each space's dead share (allocated slots holding no live memory, what a
 * compaction would reclaim) and its compactions since open; {@code /actuator/warmtier/{space}} for
 * one space (404 when it does not exist).
 */
@Component
@Endpoint(id = "warmtier")
public class WarmTierEndpoint {

    private final InvariantMonitor monitor;
    private final SpaceRegistry spaces;

    public WarmTierEndpoint(InvariantMonitor monitor, SpaceRegistry spaces) {
        this.monitor = monitor;
        this.spaces = spaces;
    }

    @ReadOperation
    public Map<String, Object> report() {
        Map<String, Object> spaces = new LinkedHashMap<>();
        monitor.checkAll().forEach((name, outcome) -> spaces.put(name, body(name, outcome)));
        return Map.of("spaces", spaces);
    }

    @ReadOperation
    public Object space(@Selector String space) {
        return monitor.check(space).map(outcome -> body(space, outcome)).orElse(null);
    }

    private Object body(String space, InvariantMonitor.Outcome outcome) {
        if (outcome.failure() != null) {
            return Map.of("error", outcome.failure(), "checkedAt", outcome.at());
        }
        InvariantReport report = outcome.report();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("slotsAllocated", report.slotsAllocated());
        body.put("slotsLive", report.slotsLive());
        body.put("slotCapacity", report.slotCapacity());
        body.put("contentBytes", report.contentBytes());
        body.put("liveContentBytes", report.liveContentBytes());
        body.put("deadShare", report.slotsAllocated() == 0 ? 0.0
                : (double) (report.slotsAllocated() - report.slotsLive()) / report.slotsAllocated());
        spaces.get(space).ifPresent(store -> body.put("compaction", compaction(store.compactionStats())));
        body.put("invariants", report.invariants());
        return body;
    }

    private static Map<String, Object> compaction(CompactionStats stats) {
        Map<String, Object> compaction = new LinkedHashMap<>();
        compaction.put("running", stats.running());
        compaction.put("runs", stats.runs());
        compaction.put("failures", stats.failures());
        compaction.put("bytesReclaimed", stats.bytesReclaimed());
        compaction.put("last", stats.last().orElse(null));
        return compaction;
    }
}
