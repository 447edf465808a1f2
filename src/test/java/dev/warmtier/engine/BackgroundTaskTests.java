package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A background task (the interval flusher, the periodic check) outlives anything its body throws,
 * errors included: a ScheduledExecutorService alone would cancel the schedule at the first throw
 * and say nothing.
 */
class BackgroundTaskTests {

    @Test
    void aBodyThatThrowsErrorsKeepsItsScheduleAndCountsEachFailure() {
        AtomicInteger calls = new AtomicInteger();
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Runnable body = () -> {
            switch (calls.incrementAndGet() % 4) {
                case 1 -> throw new OutOfMemoryError("Java heap space (thrown by the test)");
                case 2 -> throw new StackOverflowError("thrown by the test");
                case 3 -> throw new IllegalStateException("thrown by the test");
                default -> {
                    // a normal round
                }
            }
        };
        try (BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1), body, reported::add)) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(task.runs()).isGreaterThanOrEqualTo(5));
            assertThat(task.stopped()).isFalse();
            assertThat(task.failures()).isGreaterThanOrEqualTo(15);
            assertThat(reported).isNotEmpty().hasOnlyElementsOfTypes(OutOfMemoryError.class,
                    StackOverflowError.class, IllegalStateException.class);
        }
    }

    @Test
    void aFailureHandlerThatThrowsDoesNotEndTheScheduleEither() {
        try (BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1),
                () -> {
                    throw new OutOfMemoryError("thrown by the test");
                },
                failure -> {
                    throw new OutOfMemoryError("the report failed too");
                })) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(task.failures()).isGreaterThan(10));
            assertThat(task.stopped()).isFalse();
        }
    }

    @Test
    void aClosedTaskIsNotReportedAsStoppedAndClosesPromptly() {
        boolean[] daemon = new boolean[1];
        BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1),
                () -> daemon[0] = Thread.currentThread().isDaemon(), failure -> { });
        await().atMost(Duration.ofSeconds(30)).until(() -> task.runs() > 0);
        assertThat(daemon[0]).as("a task never keeps the JVM alive").isTrue();
        // A generous bound that catches a close waiting out its one-minute limit instead of stopping.
        assertTimeoutPreemptively(Duration.ofSeconds(20), task::close);
        assertThat(task.stopped()).isFalse();
    }

    @Test
    void closeNowInterruptsARunUnderWay() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1), () -> {
            running.countDown();
            try {
                new CountDownLatch(1).await(); // only an interrupt ends this run
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, failure -> { });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        assertTimeoutPreemptively(Duration.ofSeconds(20), task::closeNow);
        assertThat(task.stopped()).isFalse();
    }

    /**
     * What a run touches (mapped chunks) is released right after close returns, so close must wait
     * for a run under way. The run is held until the closing thread has either returned (the bug)
     * or settled into waiting; only then may it end.
     */
    @Test
    void closeReturnsOnlyAfterARunUnderWayHasEnded() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean runEnded = new AtomicBoolean();
        BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1), () -> {
            running.countDown();
            awaitUninterruptibly(release);
            runEnded.set(true);
        }, failure -> { });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(closedAfterTheRunEnded(task::close, release, runEnded)).isTrue();
    }

    @Test
    void closeNowReturnsOnlyAfterTheInterruptedRunHasEnded() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean runEnded = new AtomicBoolean();
        BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1), () -> {
            running.countDown();
            try {
                new CountDownLatch(1).await(); // only an interrupt ends this wait
            } catch (InterruptedException e) {
                interrupted.countDown();
                awaitUninterruptibly(release); // the run's cleanup, still under way
                runEnded.set(true);
            }
        }, failure -> { });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(closedAfterTheRunEnded(task::closeNow, release, runEnded, interrupted)).isTrue();
    }

    /**
     * Runs {@code close} on a thread of its own and tells whether the run had ended when it
     * returned. {@code before} latches must open first (e.g. the run saw its interrupt).
     */
    private static boolean closedAfterTheRunEnded(Runnable close, CountDownLatch release, AtomicBoolean runEnded,
                                                  CountDownLatch... before) throws InterruptedException {
        AtomicBoolean endedWhenCloseReturned = new AtomicBoolean();
        Thread closer = new Thread(() -> {
            close.run();
            endedWhenCloseReturned.set(runEnded.get());
        }, "closer");
        closer.setDaemon(true); // a close that never returns must not keep the test JVM alive
        closer.start();
        try {
            for (CountDownLatch latch : before) {
                assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> closer.getState() == Thread.State.TERMINATED
                    || closer.getState() == Thread.State.TIMED_WAITING || closer.getState() == Thread.State.WAITING);
        } finally {
            release.countDown(); // whatever failed above, the run may end
        }
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(closer.isAlive()).as("close returned once the run ended").isFalse();
        return endedWhenCloseReturned.get();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
