package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gate's pause, the switch of a compaction waits on: operations that arrive wait for the resume,
 * the pausing operation waits until it is alone, close wins over a pause, and a failed gate refuses
 * everything but close.
 */
class InFlightGateTests {

    private final InFlightGate gate = new InFlightGate("test");

    @Test
    void anOperationArrivingDuringAPauseWaitsForTheResume() throws Exception {
        gate.enter();
        assertThat(gate.pauseOthers()).isTrue();
        CountDownLatch entered = new CountDownLatch(1);
        Thread arrival = new Thread(() -> {
            gate.enter();
            entered.countDown();
            gate.exit();
        });
        arrival.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> arrival.getState() == Thread.State.WAITING);
        assertThat(entered.getCount()).as("still waiting while paused").isOne();
        gate.resume();
        gate.exit();
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void thePauseWaitsUntilTheOperationsUnderWayHaveLeft() throws Exception {
        gate.enter(); // an operation under way
        CountDownLatch pausing = new CountDownLatch(1);
        CompletableFuture<Boolean> pause = CompletableFuture.supplyAsync(() -> {
            gate.enter();
            pausing.countDown();
            return gate.pauseOthers();
        });
        assertThat(pausing.await(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(gate::paused);
        assertThat(pause).as("not alone yet").isNotDone();
        gate.exit();
        assertThat(pause.get(30, TimeUnit.SECONDS)).isTrue();
        gate.resume();
        gate.exit();
    }

    @Test
    void closeWinsOverAPause() throws Exception {
        gate.enter();
        assertThat(gate.pauseOthers()).isTrue();
        CompletableFuture<Throwable> waiting = arriving();
        await().atMost(Duration.ofSeconds(30)).until(() -> !waiting.isDone() && gate.paused());
        CompletableFuture<Boolean> close = CompletableFuture.supplyAsync(gate::closeAndAwait);
        assertThat(waiting.get(30, TimeUnit.SECONDS)).as("the waiting operation fails once close began")
                .isInstanceOf(StoreClosedException.class);
        assertThat(close).as("close waits for the pausing operation").isNotDone();
        gate.resume();
        gate.exit();
        assertThat(close.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aPauseAskedForAfterCloseIsRefused() {
        gate.enter();
        CompletableFuture<Boolean> close = CompletableFuture.supplyAsync(gate::closeAndAwait);
        await().atMost(Duration.ofSeconds(30)).until(gate::closed);
        assertThat(gate.pauseOthers()).isFalse();
        gate.resume();
        gate.exit();
        assertThat(close.join()).isTrue();
    }

    @Test
    void aFailedGateRefusesEveryOperationWithItsReasonAndStillCloses() {
        gate.fail("store x stopped: reopen it");
        gate.fail("a later, vaguer reason");
        assertThatThrownBy(gate::enter).isInstanceOf(StoreClosedException.class).hasMessage("store x stopped: reopen it");
        assertThat(gate.closeAndAwait()).isTrue();
    }

    @Test
    void theFlagsSayWhereTheGateIs() {
        assertThat(gate.closed()).isFalse();
        assertThat(gate.paused()).isFalse();
        gate.enter();
        assertThat(gate.pauseOthers()).isTrue();
        assertThat(gate.paused()).isTrue();
        gate.resume();
        assertThat(gate.paused()).isFalse();
        gate.exit();
        assertThat(gate.closeAndAwait()).isTrue();
        assertThat(gate.closed()).isTrue();
        assertThat(gate.closeAndAwait()).as("a second close waits for nothing").isFalse();
    }

    @Test
    void closeWaitsForAForceUnderWayAndAForceAfterCloseIsRefused() throws Exception {
        gate.enterForce();
        CompletableFuture<Boolean> close = CompletableFuture.supplyAsync(gate::closeAndAwait);
        await().atMost(Duration.ofSeconds(30)).until(gate::closed);
        assertThat(close).as("close waits for the force").isNotDone();
        gate.exitForce();
        assertThat(close.get(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(gate::enterForce).isInstanceOf(StoreClosedException.class);
    }

    @Test
    void aForceIsNotHeldUpByAPauseAndTheOldFilesWaitForIt() throws Exception {
        gate.enter();
        assertThat(gate.pauseOthers()).isTrue();
        gate.enterForce(); // does not wait for the resume
        CompletableFuture<Void> awaited = CompletableFuture.runAsync(gate::awaitForces);
        assertThat(awaited).isNotDone();
        gate.exitForce();
        awaited.get(30, TimeUnit.SECONDS);
        gate.resume();
        gate.exit();
    }

    @Test
    void failingTheGateWakesTheOperationsWaitingForAResume() throws Exception {
        gate.enter();
        assertThat(gate.pauseOthers()).isTrue();
        CompletableFuture<Throwable> waiting = arriving();
        await().atMost(Duration.ofSeconds(30)).until(() -> !waiting.isDone());
        gate.fail("store x stopped");
        assertThat(waiting.get(30, TimeUnit.SECONDS)).hasMessage("store x stopped");
        assertThatThrownBy(gate::enterForce).hasMessage("store x stopped");
        gate.resume();
        gate.exit();
    }

    /** An operation arriving at the gate, in a thread of its own: what it failed with, or null once it got in and out. */
    private CompletableFuture<Throwable> arriving() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                gate.enter();
                gate.exit();
                return null;
            } catch (StoreClosedException e) {
                return e;
            }
        });
    }
}
