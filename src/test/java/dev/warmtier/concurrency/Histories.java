package dev.warmtier.concurrency;

import dev.warmtier.concurrency.LinearizabilityChecker.Kind;
import dev.warmtier.concurrency.LinearizabilityChecker.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Histories of one key for the checker's tests: legal ones built from a sequential run, and tampered ones. */
final class Histories {

    private Histories() {
    }

    /**
     * A legal history of {@code size} operations: a sequential run of the API on one key, operation
     * {@code i} taking effect at {@code 10 * i} microseconds, its call stretched up to 40 us earlier
     * and its response up to 40 us later, so each overlaps about 8 others (as with 8 clients). Versions skip numbers (other
     * keys take them), deletes use one, and about 1 in 100 responses is lost (the call is pending,
     * though it took effect).
     */
    static List<Operation> randomLegal(long seed, int size) {
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

    /** A history with one read replaced, and the read before and after. */
    record Tampered(List<Operation> history, Operation original, Operation stale) {
    }

    /**
     * The history with one successful GET answered instead with the value of an older write of
     * the key, which a write that completed before the GET was called had already replaced: a
     * stale read, which no linearizable service can give. The first such GET in call order; empty
     * if the history has none.
     */
    static Optional<Tampered> withStaleRead(List<Operation> history) {
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
                List<Operation> tampered = new ArrayList<>(history);
                tampered.set(history.indexOf(read), stale);
                return Optional.of(new Tampered(tampered, read, stale));
            }
        }
        return Optional.empty();
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
