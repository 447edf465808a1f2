package dev.warmtier.support;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Wing and Gong's linearizability check with Lowe's memoization, for the history of ONE key of the
 * memory API (keys are independent, so a history is checked key by key: P-compositionality).
 *
 * <p>The search walks the time-ordered events (invocations before responses on ties), tries each
 * operation that is minimal (invoked before any pending response) against a sequential model of the
 * key, lifts it out of the list when the model accepts it, and backtracks when it reaches a response
 * whose operation it could not place. A (linearized set, model states) pair is explored once.
 *
 * <p>The model cannot predict versions (they come from a store-wide counter), so it is
 * nondeterministic: a write "returns some version greater than the current one". The search runs
 * over the set of states the model may be in. An operation that never got its response (timeout,
 * I/O error) is pending: its response is at +infinity, so it may take effect anywhere after its
 * invocation or, placed last, in effect never.
 */
public final class LinearizabilityChecker {

    private LinearizabilityChecker() {
    }

    public enum Kind { PUT, PUT_IF_MATCH, GET, DELETE }

    /** What the service answered: the status, and for 200/201 the version (and for GET the content). */
    public record Outcome(int status, long version, String content) {
    }

    /**
     * One HTTP call on the key. {@code content} is what a PUT sent; {@code ifMatch} the version a
     * conditional PUT named; {@code outcome} is null while pending (then {@code responded} is +infinity).
     */
    public record Operation(int client, Kind kind, String content, long ifMatch, long invoked, long responded,
                     Outcome outcome) {

        public static Operation put(int client, String content, long invoked, long responded, int status, long version) {
            return new Operation(client, Kind.PUT, content, 0, invoked, responded, new Outcome(status, version, null));
        }

        public static Operation putIfMatch(int client, String content, long ifMatch, long invoked, long responded,
                                    int status, long version) {
            return new Operation(client, Kind.PUT_IF_MATCH, content, ifMatch, invoked, responded,
                    new Outcome(status, version, null));
        }

        public static Operation get(int client, long invoked, long responded, int status, long version, String content) {
            return new Operation(client, Kind.GET, null, 0, invoked, responded, new Outcome(status, version, content));
        }

        public static Operation delete(int client, long invoked, long responded, int status) {
            return new Operation(client, Kind.DELETE, null, 0, invoked, responded, new Outcome(status, 0, null));
        }

        /** The same call with its response lost. */
        public Operation pending() {
            return new Operation(client, kind, content, ifMatch, invoked, Long.MAX_VALUE, null);
        }

        public boolean isPending() {
            return outcome == null;
        }

        /** One line, times in microseconds after {@code origin}. */
        public String describe(long origin) {
            String call = switch (kind) {
                case PUT -> "PUT '" + content + "'";
                case PUT_IF_MATCH -> "PUT If-Match \"" + ifMatch + "\" '" + content + "'";
                case GET -> "GET";
                case DELETE -> "DELETE";
            };
            String end = isPending() ? "pending" : String.valueOf((responded - origin) / 1000);
            String answer = isPending() ? "no response" : outcome.status()
                    + (outcome.version() != 0 ? " v" + outcome.version() : "")
                    + (outcome.content() != null ? " '" + outcome.content() + "'" : "");
            return String.format("client %d [%d..%s us] %s -> %s", client, (invoked - origin) / 1000, end, call, answer);
        }
    }

    /**
     * The key: absent, or present with content and version. {@code exact} is false after a pending
     * write, whose version is only known to be greater than {@code version}. When absent,
     * {@code version} is the last version the key had: later writes must exceed it.
     */
    record KeyState(boolean present, long version, boolean exact, String content) {
        static final KeyState INITIAL = new KeyState(false, 0, true, null);

        static KeyState absent(long floor) {
            return new KeyState(false, floor, true, null);
        }

        /** Whether the live version can be {@code v}. */
        boolean mayBe(long v) {
            return present && (exact ? version == v : v > version);
        }

        /** Whether the live version can be something other than {@code v} (or the key is absent). */
        boolean mayNotBe(long v) {
            return !present || !exact || version != v;
        }
    }

    /** The sequential specification: the states {@code op} can lead to from {@code s}; empty if it cannot happen. */
    static List<KeyState> step(KeyState s, Operation op) {
        Outcome out = op.outcome();
        switch (op.kind()) {
            case PUT -> {
                if (out == null) {
                    return List.of(new KeyState(true, s.version(), false, op.content()));
                }
                int expected = s.present() ? 200 : 201;
                boolean ok = out.status() == expected && out.version() > s.version();
                return ok ? List.of(new KeyState(true, out.version(), true, op.content())) : List.of();
            }
            case PUT_IF_MATCH -> {
                List<KeyState> next = new ArrayList<>(2);
                if (out == null) {
                    if (s.mayBe(op.ifMatch())) {
                        next.add(new KeyState(true, op.ifMatch(), false, op.content()));
                    }
                    if (s.mayNotBe(op.ifMatch())) {
                        next.add(s);
                    }
                } else if (out.status() == 200 && s.mayBe(op.ifMatch()) && out.version() > op.ifMatch()) {
                    next.add(new KeyState(true, out.version(), true, op.content()));
                } else if (out.status() == 412 && s.mayNotBe(op.ifMatch())) {
                    next.add(s);
                }
                return next;
            }
            case GET -> {
                if (out == null) {
                    return List.of(s);
                }
                if (out.status() == 200 && s.mayBe(out.version()) && s.content().equals(out.content())) {
                    return List.of(new KeyState(true, out.version(), true, s.content()));
                }
                return out.status() == 404 && !s.present() ? List.of(s) : List.of();
            }
            case DELETE -> {
                if (out == null) {
                    return List.of(s.present() ? KeyState.absent(s.version()) : s);
                }
                if (out.status() == 204 && s.present()) {
                    return List.of(KeyState.absent(s.version()));
                }
                return out.status() == 404 && !s.present() ? List.of(s) : List.of();
            }
            default -> throw new IllegalArgumentException(op.kind().name());
        }
    }

    /**
     * The verdict. When not linearizable: the longest prefix of operations the search could
     * linearize, the states the model could be in after it, and the operation whose response the
     * search then could not get past.
     */
    public record Verdict(boolean linearizable, List<Operation> longestLinearized, Set<KeyState> statesAfterLongest,
                   Operation stuckAt, long explored) {
    }

    /** One event of the doubly linked event list; a call links to its matching return. */
    private static final class Event {
        final int id;
        final Operation op;
        final long time;
        final Event match; // the return event, on a call; null on a return
        Event prev;
        Event next;

        Event(int id, Operation op, long time, Event match) {
            this.id = id;
            this.op = op;
            this.time = time;
            this.match = match;
        }
    }

    private record Memo(BitSet linearized, Set<KeyState> states) {
    }

    private record Placed(Event call, Set<KeyState> statesBefore) {
    }

    public static Verdict check(List<Operation> history) {
        List<Event> events = new ArrayList<>(2 * history.size());
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            Event ret = new Event(i, op, op.responded(), null);
            events.add(new Event(i, op, op.invoked(), ret));
            events.add(ret);
        }
        // Calls before returns on ties: touching intervals count as concurrent.
        events.sort(Comparator.comparingLong((Event e) -> e.time).thenComparing(e -> e.match == null));
        Event head = new Event(-1, null, Long.MIN_VALUE, null);
        Event last = head;
        for (Event e : events) {
            last.next = e;
            e.prev = last;
            last = e;
        }

        Set<KeyState> states = Set.of(KeyState.INITIAL);
        BitSet linearized = new BitSet(history.size());
        Set<Memo> seen = new HashSet<>();
        Deque<Placed> placed = new ArrayDeque<>();
        List<Operation> longest = List.of();
        Set<KeyState> statesAfterLongest = states;
        Operation stuckAt = null;
        long explored = 0;
        Event entry = head.next;
        while (head.next != null) {
            if (entry.match != null) {
                Set<KeyState> after = stepAll(states, entry.op);
                explored++;
                if (!after.isEmpty()) {
                    BitSet withThis = (BitSet) linearized.clone(); // the memo keeps its own copy
                    withThis.set(entry.id);
                    if (seen.add(new Memo(withThis, after))) {
                        placed.push(new Placed(entry, states));
                        states = after;
                        linearized.set(entry.id);
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                // A response whose operation is not placed: nothing placed later can help; undo the last placement.
                if (stuckAt == null || placed.size() > longest.size()) {
                    List<Operation> ops = new ArrayList<>();
                    placed.descendingIterator().forEachRemaining(p -> ops.add(p.call().op));
                    longest = ops;
                    statesAfterLongest = states;
                    stuckAt = entry.op;
                }
                if (placed.isEmpty()) {
                    return new Verdict(false, longest, statesAfterLongest, stuckAt, explored);
                }
                Placed top = placed.pop();
                entry = top.call();
                states = top.statesBefore();
                linearized.clear(entry.id);
                unlift(entry);
                entry = entry.next;
            }
        }
        return new Verdict(true, List.of(), states, null, explored);
    }

    /**
     * What to print when a history fails: the shortest failing prefix (it ends at the first
     * response that makes the history impossible), where the search got stuck in it, and the
     * operations around that response. Calls still open at the cut are made pending, which a
     * linearizable history always survives, so every longer prefix fails too (binary search).
     */
    public static String explain(List<Operation> history) {
        if (check(history).linearizable()) {
            return "linearizable (" + history.size() + " operations)";
        }
        long origin = history.stream().mapToLong(Operation::invoked).min().orElse(0);
        List<Operation> responses = history.stream().filter(op -> !op.isPending())
                .sorted(Comparator.comparingLong(Operation::responded)).toList();
        int low = 1;
        int high = responses.size(); // the whole history is the prefix at its last response
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (check(prefix(history, responses.get(mid - 1).responded())).linearizable()) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        Operation culprit = responses.get(low - 1);
        List<Operation> prefix = prefix(history, culprit.responded());
        Verdict verdict = check(prefix);
        long windowStart = responses.get(Math.max(0, low - 1 - WINDOW_RESPONSES)).responded();
        StringBuilder text = new StringBuilder();
        text.append(String.format("not linearizable: %d operations; the shortest failing prefix ends when this answered"
                        + " (response %d of %d):%n  %s%n", history.size(), low, responses.size(),
                culprit.describe(origin)));
        text.append(String.format("in that prefix the search placed at most %d operations, leaving the key in %s, "
                + "and could not get past:%n  %s%n", verdict.longestLinearized().size(), verdict.statesAfterLongest(),
                verdict.stuckAt() == null ? "-" : verdict.stuckAt().describe(origin)));
        boolean all = history.size() <= SMALL_HISTORY;
        text.append(all ? "the whole history" : "the last " + WINDOW_RESPONSES + " responses before it and every call"
                + " open then or made before it answered").append(" (us after the first call):%n".formatted());
        history.stream().filter(op -> all || op.responded() >= windowStart && op.invoked() <= culprit.responded())
                .sorted(Comparator.comparingLong(Operation::invoked))
                .forEach(op -> text.append(op.equals(culprit) ? "> " : "  ").append(op.describe(origin)).append('\n'));
        return text.toString();
    }

    private static final int WINDOW_RESPONSES = 8;
    private static final int SMALL_HISTORY = 40;

    /** The history as it stood at {@code cut}: later calls dropped, calls still open made pending. */
    private static List<Operation> prefix(List<Operation> history, long cut) {
        return history.stream().filter(op -> op.invoked() <= cut)
                .map(op -> op.responded() <= cut ? op : op.pending()).toList();
    }

    private static Set<KeyState> stepAll(Set<KeyState> states, Operation op) {
        Set<KeyState> next = new HashSet<>();
        for (KeyState s : states) {
            next.addAll(step(s, op));
        }
        return Set.copyOf(next);
    }

    /** Takes a call and its return out of the list; a call is never last, its return follows it. */
    private static void lift(Event call) {
        call.prev.next = call.next;
        call.next.prev = call.prev;
        Event ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    /** Puts back what {@link #lift} took out, in reverse order. */
    private static void unlift(Event call) {
        Event ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        call.next.prev = call;
    }
}
