package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
            assertThat(reported).hasOnlyElementsOfTypes(OutOfMemoryError.class, StackOverflowError.class,
                    IllegalStateException.class);
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
    void aClosedTaskIsNotReportedAsStopped() {
        BackgroundTask task = BackgroundTask.start("test-task", Duration.ofMillis(1), () -> { }, failure -> { });
        await().atMost(Duration.ofSeconds(30)).until(() -> task.runs() > 0);
        task.close();
        assertThat(task.stopped()).isFalse();
    }
}
