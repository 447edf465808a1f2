package dev.warmtier.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.support.Histories;
import dev.warmtier.support.LinearizabilityChecker;
import dev.warmtier.support.LinearizabilityChecker.Operation;
import dev.warmtier.support.LinearizabilityChecker.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checker on synthetic histories of one key: it accepts what a linearizable service may
 * answer and rejects each way a broken one could answer. Times are arbitrary units; each
 * operation is written as {@code (client, ..., invoked, responded, status, version)}.
 */
class LinearizabilityCheckerTests {

    @Test
    void acceptsASequentialHistoryOfEveryOperation() {
        assertLinearizable(List.of(
                get(0, 0, 1, 404, 0, null),
                delete(0, 2, 3, 404),
                put(0, "a", 4, 5, 201, 1),
                get(0, 6, 7, 200, 1, "a"),
                put(0, "b", 8, 9, 200, 3),
                putIfMatch(0, "c", 3, 10, 11, 200, 4),
                putIfMatch(0, "d", 3, 12, 13, 412, 0),
                get(0, 14, 15, 200, 4, "c"),
                delete(0, 16, 17, 204),
                get(0, 18, 19, 404, 0, null),
                putIfMatch(0, "e", 4, 20, 21, 412, 0),
                put(0, "f", 22, 23, 201, 9),
                get(0, 24, 25, 200, 9, "f")));
    }

    @Test
    void acceptsOverlappingWritesInEitherOrderAndReadsOfEitherValueWhileTheyRun() {
        assertLinearizable(List.of(
                put(0, "a", 0, 30, 200, 5),   // slow, takes effect second
                put(1, "b", 5, 10, 201, 3),   // fast, takes effect first
                get(2, 1, 40, 200, 3, "b"),   // overlaps both
                get(3, 12, 14, 200, 3, "b"),  // a not yet in effect
                get(3, 35, 36, 200, 5, "a")));
        assertLinearizable(List.of(
                put(0, "a", 0, 1, 201, 1),
                putIfMatch(1, "b", 1, 2, 20, 200, 2),
                putIfMatch(2, "c", 1, 3, 21, 412, 0),  // lost the race: b came first
                delete(3, 4, 22, 204),                 // took effect after b
                get(4, 5, 6, 200, 2, "b"),
                get(4, 23, 24, 404, 0, null)));
    }

    @Test
    void acceptsAWriteWhoseResponseWasLostWhetherOrNotItTookEffect() {
        Operation lost = put(0, "x", 0, 99, 200, 7).pending();
        assertLinearizable(List.of(put(1, "a", 0, 1, 201, 1), lost,
                get(1, 2, 3, 200, 1, "a"), get(1, 4, 5, 200, 8, "x"), get(1, 6, 7, 200, 8, "x")));
        assertLinearizable(List.of(put(1, "a", 0, 1, 201, 1), lost, get(1, 2, 3, 200, 1, "a"),
                get(1, 4, 5, 200, 1, "a")));
    }

    @Test
    void rejectsAStaleRead() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                put(0, "b", 2, 3, 200, 2),
                get(1, 4, 5, 200, 1, "a")));
    }

    @Test
    void rejectsALostUpdateWhereTwoConditionalPutsOnOneVersionBothSucceed() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                putIfMatch(1, "b", 1, 2, 10, 200, 2),
                putIfMatch(2, "c", 1, 3, 11, 200, 3)));
    }

    @Test
    void rejectsAReadFromTheFuture() {
        assertRejected(List.of(
                get(0, 0, 1, 200, 1, "a"),
                put(1, "a", 2, 3, 201, 1)));
    }

    @Test
    void rejectsADeletedMemoryThatReappears() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                delete(0, 2, 3, 204),
                get(1, 4, 5, 200, 1, "a")));
    }

    @Test
    void rejectsVersionsThatGoBackwards() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 5),
                put(1, "b", 2, 3, 200, 3)));
        assertRejected(List.of(  // a delete keeps the floor: the key's next life starts above it
                put(0, "a", 0, 1, 201, 5),
                delete(0, 2, 3, 204),
                put(1, "b", 4, 5, 201, 4)));
        assertRejected(List.of(  // a read must name the version its write answered
                put(0, "a", 0, 1, 201, 5),
                get(1, 2, 3, 200, 4, "a")));
    }

    @Test
    void rejectsALostWriteThatWasSeenAndThenUndone() {
        Operation lost = put(0, "x", 0, 99, 200, 7).pending();
        assertRejected(List.of(put(1, "a", 0, 1, 201, 1), lost,
                get(1, 4, 5, 200, 8, "x"), get(1, 6, 7, 200, 1, "a")));
    }

    @Test
    void rejectsACreateAnsweredForAKeyThatExists() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                put(1, "b", 2, 3, 201, 2)));
        assertRejected(List.of(  // present throughout: the overlapping write cannot have deleted it
                put(0, "a", 0, 1, 201, 1),
                put(1, "b", 2, 6, 200, 2),
                put(2, "c", 3, 5, 201, 3)));
        assertRejected(List.of(put(0, "a", 0, 1, 200, 1)));  // and a replace of a key that never existed
    }

    @Test
    void rejectsAConditionalPutRefusedWhileItsVersionWasCurrent() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                putIfMatch(1, "b", 1, 2, 3, 412, 0)));
        assertRejected(List.of(  // the overlapping read names v2, so nothing replaced it
                put(0, "a", 0, 1, 201, 1),
                putIfMatch(0, "b", 1, 2, 3, 200, 2),
                putIfMatch(1, "c", 2, 4, 6, 412, 0),
                get(2, 5, 7, 200, 2, "b")));
    }

    @Test
    void rejectsALostWriteThatAReadOrADeleteNoLongerFinds() {
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                get(1, 2, 3, 404, 0, null)));
        assertRejected(List.of(
                put(0, "a", 0, 1, 201, 1),
                delete(1, 2, 3, 404)));
        assertRejected(List.of(  // a lost response does not excuse it: a GET never deletes
                put(0, "a", 0, 1, 201, 1),
                get(2, 2, 99, 404, 0, null).pending(),
                get(1, 3, 4, 404, 0, null)));
    }

    @Test
    void rejectsTheLargeRandomLegalHistoryWithEachKindOfImpossibleAnswer() {
        List<Operation> legal = Histories.randomLegal(20261126, 2_000);
        assertThat(LinearizabilityChecker.check(legal).linearizable()).as(() -> LinearizabilityChecker.explain(legal))
                .isTrue();
        Map<String, Optional<Histories.Broken>> broken = new LinkedHashMap<>();
        broken.put("201 for a present key", Histories.withCreateOfAPresentKey(legal));
        broken.put("404 for a present key", Histories.withLostWrite(legal));
        broken.put("DELETE 404 for a present key", Histories.withLostWriteSeenByADelete(legal));
        broken.put("stale read", Histories.withStaleRead(legal));
        broken.forEach((what, tampered) -> {
            Histories.Broken history = tampered.orElseThrow(() -> new AssertionError("no operation to answer with a "
                    + what + " in the random legal history"));
            System.out.printf("random legal history with %s: %s answered as %s%n", what,
                    history.original().describe(0), history.replacement().describe(0));
            assertThat(LinearizabilityChecker.check(history.history()).linearizable())
                    .as("%s accepted: %s answered as %s", what, history.original().describe(0),
                            history.replacement().describe(0)).isFalse();
        });
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void acceptsALargeRandomLegalHistoryQuicklyAndRejectsItWithOneStaleRead() {
        int size = 2_000;
        long seed = 20261125;
        List<Operation> legal = Histories.randomLegal(seed, size);
        long start = System.nanoTime();
        Verdict verdict = LinearizabilityChecker.check(legal);
        long tookMicros = (System.nanoTime() - start) / 1000;
        System.out.printf("random legal history: %d operations (%d pending), seed %d, checked in %d us, "
                        + "%d steps tried%n", size, legal.stream().filter(Operation::isPending).count(), seed,
                tookMicros, verdict.explored());
        assertThat(verdict.linearizable()).as(() -> LinearizabilityChecker.explain(legal)).isTrue();

        Histories.Broken tampered = Histories.withStaleRead(legal).orElseThrow();
        start = System.nanoTime();
        Verdict rejected = LinearizabilityChecker.check(tampered.history());
        System.out.printf("same history with %s answered as %s: rejected=%b in %d us, %d steps tried%n",
                tampered.original().describe(0), tampered.replacement().describe(0), !rejected.linearizable(),
                (System.nanoTime() - start) / 1000, rejected.explored());
        assertThat(rejected.linearizable()).as("stale read %s accepted", tampered.replacement()).isFalse();
    }

    @Test
    void explainsARejectionWithTheOperationThatMadeItImpossible() {
        List<Operation> history = List.of(
                put(0, "a", 0, 1, 201, 1),
                put(0, "b", 2, 3, 200, 2),
                get(1, 4, 5, 200, 1, "a"),
                get(1, 6, 7, 200, 2, "b"));
        String explanation = LinearizabilityChecker.explain(history);
        System.out.println(explanation);
        assertThat(explanation)
                .contains("response 3 of 4")
                .contains("> client 1 [4..5 us] GET -> 200 v1 'a'")
                .contains("KeyState[present=true, version=2, exact=true, content=b]");
    }

    private static Operation put(int client, String content, long invokedMicros, long respondedMicros, int status,
                                 long version) {
        return Operation.put(client, content, invokedMicros * 1000, respondedMicros * 1000, status, version);
    }

    private static Operation putIfMatch(int client, String content, long ifMatch, long invokedMicros,
                                        long respondedMicros, int status, long version) {
        return Operation.putIfMatch(client, content, ifMatch, invokedMicros * 1000, respondedMicros * 1000, status,
                version);
    }

    private static Operation get(int client, long invokedMicros, long respondedMicros, int status, long version,
                                 String content) {
        return Operation.get(client, invokedMicros * 1000, respondedMicros * 1000, status, version, content);
    }

    private static Operation delete(int client, long invokedMicros, long respondedMicros, int status) {
        return Operation.delete(client, invokedMicros * 1000, respondedMicros * 1000, status);
    }

    private static void assertLinearizable(List<Operation> history) {
        Verdict verdict = LinearizabilityChecker.check(history);
        assertThat(verdict.linearizable()).as(() -> LinearizabilityChecker.explain(history)).isTrue();
    }

    private static void assertRejected(List<Operation> history) {
        Verdict verdict = LinearizabilityChecker.check(history);
        assertThat(verdict.linearizable()).as(() -> "accepted, though it must not be:\n" + history.stream()
                .map(op -> op.describe(0)).collect(Collectors.joining("\n"))).isFalse();
        System.out.println(LinearizabilityChecker.explain(history));
    }
}
