package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
}
