package dev.warmtier.support;

import dev.warmtier.support.LinearizabilityChecker.Kind;
import dev.warmtier.support.LinearizabilityChecker.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** Histories of one key for the checker's tests: legal ones built from a sequential run, and tampered ones. */
public final class Histories {

    private Histories() {
    }

    /**
     * A legal history of {@code size} operations: a sequential run of the API on one key, operation
     * {@code i} taking effect at {@code 10 * i} microseconds, its call stretched up to 40 us earlier
     * and its response up to 40 us later, so each overlaps about 8 others (as with 8 clients). Versions skip numbers (other
     * keys take them), deletes use one, and about 1 in 100 responses is lost (the call is pending,
     * though it took effect).
     */
    public static List<Operation> randomLegal(long seed, int size) {
        Random random = new Random(seed);
        long counter = 0;
        boolean present = false;
        long version = 0;
        String content = null;
        List<Operation> history = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            long point = 10_000L * i; // nanoseconds
            long invoked = point - random.nextInt(40_000);
            long responded = point + random.nextInt(40_000);
            int client = random.nextInt(8);
            counter += random.nextInt(3);
            int roll = random.nextInt(100);
            Operation op;
            if (roll < 30) {
                String written = "op-" + i;
                op = Operation.put(client, written, invoked, responded, present ? 200 : 201, ++counter);
                present = true;
                version = counter;
                content = written;
            } else if (roll < 55) {
                String written = "op-" + i;
                boolean current = present && random.nextBoolean();
                long ifMatch = current ? version : version >= 2 ? version - 1 : version + 1;
                if (current) {
                    op = Operation.putIfMatch(client, written, ifMatch, invoked, responded, 200, ++counter);
                    version = counter;
                    content = written;
                } else {
                    op = Operation.putIfMatch(client, written, ifMatch, invoked, responded, 412, 0);
                }
            } else if (roll < 85) {
                op = present ? Operation.get(client, invoked, responded, 200, version, content)
                        : Operation.get(client, invoked, responded, 404, 0, null);
            } else {
                op = Operation.delete(client, invoked, responded, present ? 204 : 404);
                if (present) {
                    counter++; // the tombstone's version
                    present = false;
                }
            }
            history.add(random.nextInt(100) == 0 ? op.pending() : op);
        }
        return history;
    }

    /**
     * The history with one successful GET answered instead with the value of an older write of
     * the key, which a write that completed before the GET was called had already replaced: a
     * stale read, which no linearizable service can give. The first such GET in call order; empty
     * if the history has none.
     */
    public static Optional<Broken> withStaleRead(List<Operation> history) {
        List<Operation> writes = history.stream().filter(Histories::stored).toList();
        List<Operation> reads = history.stream()
                .filter(op -> op.kind() == Kind.GET && !op.isPending() && op.outcome().status() == 200)
                .sorted(Comparator.comparingLong(Operation::invoked)).toList();
        for (Operation read : reads) {
            Optional<Operation> older = writes.stream().filter(w -> w.outcome().version() < read.outcome().version())
                    .max(Comparator.comparingLong(w -> w.outcome().version()));
            if (older.isEmpty()) {
                continue;
            }
            long staleVersion = older.get().outcome().version();
            boolean replacedBeforeRead = writes.stream()
                    .anyMatch(w -> w.outcome().version() > staleVersion && w.responded() < read.invoked());
            if (replacedBeforeRead) {
                Operation stale = Operation.get(read.client(), read.invoked(), read.responded(), 200, staleVersion,
                        older.get().content());
                return Optional.of(replaced(history, read, stale));
            }
        }
        return Optional.empty();
    }

    /** A history with one operation replaced by one answer no linearizable service can give, and what was replaced. */
    public record Broken(List<Operation> history, Operation original, Operation replacement) {
    }

    /**
     * The history with one PUT answered 200 answered 201 instead, at a time the key was present
     * in every linearization: only the status check can reject it. The first such PUT in call
     * order; empty if none qualifies.
     */
    public static Optional<Broken> withCreateOfAPresentKey(List<Operation> history) {
        return replaceFirst(history, op -> op.kind() == Kind.PUT && answered(op, 200)
                        && presentThroughout(history, op),
                op -> Operation.put(op.client(), op.content(), op.invoked(), op.responded(), 201,
                        op.outcome().version()));
    }

    /**
     * The history with one GET answered 200 answered 404 instead, at a time the key was present
     * in every linearization: a lost acknowledged write, which only the presence check can reject.
     */
    public static Optional<Broken> withLostWrite(List<Operation> history) {
        return replaceFirst(history, op -> op.kind() == Kind.GET && answered(op, 200)
                        && presentThroughout(history, op),
                op -> Operation.get(op.client(), op.invoked(), op.responded(), 404, 0, null));
    }

    /**
     * The history with one GET answered 200 replaced by a DELETE answered 404, at a time the key
     * was present in every linearization: a lost write seen by a delete, which changes nothing, so
     * only the DELETE's presence check can reject it.
     */
    public static Optional<Broken> withLostWriteSeenByADelete(List<Operation> history) {
        return replaceFirst(history, op -> op.kind() == Kind.GET && answered(op, 200)
                        && presentThroughout(history, op),
                op -> Operation.delete(op.client(), op.invoked(), op.responded(), 404));
    }

    /**
     * The history with one GET replaced by a conditional PUT naming the version the key had
     * throughout the GET in every linearization, answered 412: a refusal while the version was
     * current, which only the If-Match check can reject (a 412 changes nothing, so the rest of the
     * history still fits).
     */
    public static Optional<Broken> withRefusedCurrentIfMatch(List<Operation> history) {
        for (Operation op : byCall(history)) {
            if (op.kind() != Kind.GET || op.isPending()) {
                continue;
            }
            Optional<Operation> quiet = writeInForceThroughout(history, op);
            if (quiet.isPresent()) {
                Operation refused = Operation.putIfMatch(op.client(), "refused", quiet.get().outcome().version(),
                        op.invoked(), op.responded(), 412, 0);
                return Optional.of(replaced(history, op, refused));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code op} saw the key present in every linearization: a write stored before it was
     * called, and no DELETE (whatever its answer, or none) between that write's call and
     * {@code op}'s response.
     */
    private static boolean presentThroughout(List<Operation> history, Operation op) {
        return history.stream().filter(w -> stored(w) && w.responded() < op.invoked()).anyMatch(w -> history.stream()
                .filter(d -> d.kind() == Kind.DELETE)
                .allMatch(d -> d.responded() < w.invoked() || d.invoked() > op.responded()));
    }

    /**
     * The stored write whose version the key had throughout {@code op} in every linearization:
     * stored before {@code op} was called, and no other operation that may change the key
     * (a write not answered 412, a DELETE not answered 404, any pending one) between that write's
     * call and {@code op}'s response.
     */
    private static Optional<Operation> writeInForceThroughout(List<Operation> history, Operation op) {
        return history.stream().filter(w -> stored(w) && w.responded() < op.invoked())
                .filter(w -> history.stream().filter(m -> m != w && m != op && mayChange(m))
                        .allMatch(m -> m.responded() < w.invoked() || m.invoked() > op.responded()))
                .findFirst();
    }

    private static boolean mayChange(Operation op) {
        if (op.isPending()) {
            return op.kind() != Kind.GET;
        }
        return switch (op.kind()) {
            case PUT -> true;
            case PUT_IF_MATCH -> op.outcome().status() != 412;
            case DELETE -> op.outcome().status() != 404;
            case GET -> false;
        };
    }

    private static Optional<Broken> replaceFirst(List<Operation> history, Predicate<Operation> candidate,
                                                 UnaryOperator<Operation> answer) {
        return byCall(history).stream().filter(candidate).findFirst()
                .map(op -> replaced(history, op, answer.apply(op)));
    }

    private static Broken replaced(List<Operation> history, Operation original, Operation replacement) {
        List<Operation> broken = new ArrayList<>(history);
        broken.set(history.indexOf(original), replacement);
        return new Broken(broken, original, replacement);
    }

    private static List<Operation> byCall(List<Operation> history) {
        return history.stream().sorted(Comparator.comparingLong(Operation::invoked)).toList();
    }

    private static boolean answered(Operation op, int status) {
        return !op.isPending() && op.outcome().status() == status;
    }

    /** A write that answered that it stored its content. */
    private static boolean stored(Operation op) {
        return !op.isPending() && switch (op.kind()) {
            case PUT -> op.outcome().status() == 200 || op.outcome().status() == 201;
            case PUT_IF_MATCH -> op.outcome().status() == 200;
            default -> false;
        };
    }
}
