package dev.warmtier.support;

import dev.warmtier.TestHttp;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** {@code GET /actuator/warmtier/{space}}: the invariant report of one space, and what a scenario expects of it. */
public record SpaceReport(String space, JsonNode json) {

    /** Every violation count of the contract's report. */
    static final List<String> COUNTS = List.of("duplicateSlots", "overlappingContentRanges",
            "contentLengthMismatchBytes", "nonMonotonicSlots", "checksumFailures", "indexMismatches");

    /** Checks the space now (the endpoint runs the checker on each request). */
    public static SpaceReport of(TestHttp http, String space) {
        TestHttp.Response response = http.get("/actuator/warmtier/" + space);
        if (response.status() != 200) {
            throw new AssertionError("GET /actuator/warmtier/" + space + " answered " + response);
        }
        return new SpaceReport(space, response.json());
    }

    public long slotsAllocated() {
        return json.path("slotsAllocated").asLong();
    }

    public long slotsLive() {
        return json.path("slotsLive").asLong();
    }

    long contentBytes() {
        return json.path("contentBytes").asLong();
    }

    public long liveContentBytes() {
        return json.path("liveContentBytes").asLong();
    }

    long count(String name) {
        return json.path("invariants").path(name).asLong();
    }

    /** The contract's "ok": every count zero. */
    public void expectClean(Findings findings) {
        findings.check(json.path("invariants").path("ok").asBoolean(false),
                () -> "report of space " + space + " is not ok: " + json);
        for (String name : COUNTS) {
            findings.check(count(name) == 0, () -> "report of space " + space + ": " + name + "=" + count(name)
                    + ", expected 0");
        }
    }

    public void expectSlots(Findings findings, long live, long allocated) {
        findings.check(slotsLive() == live, () -> "report of space " + space + ": slotsLive=" + slotsLive()
                + ", expected " + live);
        findings.check(slotsAllocated() == allocated, () -> "report of space " + space + ": slotsAllocated="
                + slotsAllocated() + ", expected " + allocated);
    }

    @Override
    public String toString() {
        return json.toString();
    }
}
