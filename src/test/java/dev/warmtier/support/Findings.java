package dev.warmtier.support;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * What a scenario found wrong, collected from every worker, then thrown as one AssertionError
 * that lists them (the first {@value #LISTED}) so a failure can be debugged without a rerun.
 */
public final class Findings {

    static final int LISTED = 15;

    private final String scenario;
    /** Findings in the order found; workers add concurrently, the test thread reads after they finished. */
    private final ConcurrentLinkedQueue<String> found = new ConcurrentLinkedQueue<>();

    public Findings(String scenario) {
        this.scenario = scenario;
    }

    public void add(String finding) {
        found.add(finding);
    }

    public void check(boolean holds, Supplier<String> finding) {
        if (!holds) {
            found.add(finding.get());
        }
    }

    public boolean isEmpty() {
        return found.isEmpty();
    }

    List<String> list() {
        return List.copyOf(found);
    }

    /** Throws one AssertionError naming the scenario and listing what was found; returns when nothing was. */
    public void throwIfAny() {
        List<String> all = list();
        if (all.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder("[" + scenario + "] " + all.size() + " finding(s):");
        for (String finding : all.subList(0, Math.min(LISTED, all.size()))) {
            message.append("\n  - ").append(finding);
        }
        if (all.size() > LISTED) {
            message.append("\n  ... and ").append(all.size() - LISTED).append(" more");
        }
        throw new AssertionError(message.toString());
    }
}
