package dev.warmtier.ops;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/warmtier}: checks the invariants of every space now and reports them in the
 * contract's shape; {@code /actuator/warmtier/{space}} for one space (404 when it does not exist).
 */
@Component
@Endpoint(id = "warmtier")
public class WarmTierEndpoint {

    private final InvariantMonitor monitor;

    public WarmTierEndpoint(InvariantMonitor monitor) {
        this.monitor = monitor;
    }

    @ReadOperation
    public Map<String, Object> report() {
        Map<String, Object> spaces = new LinkedHashMap<>();
        monitor.checkAll().forEach((name, outcome) -> spaces.put(name, body(outcome)));
        return Map.of("spaces", spaces);
    }

    @ReadOperation
    public Object space(@Selector String space) {
        return monitor.check(space).map(WarmTierEndpoint::body).orElse(null);
    }

    private static Object body(InvariantMonitor.Outcome outcome) {
        if (outcome.failure() != null) {
            return Map.of("error", outcome.failure(), "checkedAt", outcome.at());
        }
        return outcome.report();
    }
}
