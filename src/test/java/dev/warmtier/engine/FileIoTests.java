package dev.warmtier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store's file I/O runner: where work runs (the caller before serve and after close, the I/O
 * thread between), that a caller's interrupt never reaches the work yet survives it, that failures
 * reach the caller as they were thrown, and that close waits for work already handed over.
 */
class FileIoTests {

    private final FileIo io = new FileIo("file-io-tests");

    @AfterEach
    void close() {
        io.close();
        Thread.interrupted();
    }

    @Test
    void workRunsOnTheCallerUntilServedThenOnADaemonIoThreadThenOnTheCallerAgain() throws IOException {
        Thread caller = Thread.currentThread();
        assertThat(io.call(Thread::currentThread)).isSameAs(caller);

        io.serve();
        Thread worker = io.call(Thread::currentThread);
        assertThat(worker).isNotSameAs(caller);
        assertThat(worker.getName()).isEqualTo("warmtier-io-file-io-tests");
        assertThat(worker.isDaemon()).as("the I/O thread never keeps the JVM alive").isTrue();
        assertThat(io.call(() -> io.call(Thread::currentThread))).as("work calling back runs in place")
                .isSameAs(worker);

        io.close();
        assertThat(io.call(Thread::currentThread)).isSameAs(caller);
    }

    @Test
    void submitHandsWorkOverOnlyWhileServed() throws Exception {
        assertThat(io.submit(() -> { })).as("before serve").isFalse();
        io.serve();
        CountDownLatch ran = new CountDownLatch(1);
        assertThat(io.submit(ran::countDown)).isTrue();
        assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
        io.close();
        assertThat(io.submit(() -> { })).as("after close").isFalse();
    }

    @Test
    void anInterruptedCallerGetsItsResultAndKeepsItsFlagWhileTheWorkNeverSeesIt() throws IOException {
        io.serve();
        Thread.currentThread().interrupt();
        boolean workSawInterrupt = io.call(() -> Thread.currentThread().isInterrupted());
        assertThat(workSawInterrupt).isFalse();
        assertThat(Thread.interrupted()).as("the caller's flag is set again").isTrue();
    }

    @Test
    void onTheCallerTheFlagIsClearedForTheWorkAndSetAgainAfter() throws IOException {
        Thread.currentThread().interrupt();
        boolean workSawInterrupt = io.call(() -> Thread.currentThread().isInterrupted());
        assertThat(workSawInterrupt).isFalse();
        assertThat(Thread.interrupted()).isTrue();

        assertThat(io.call(() -> Thread.currentThread().isInterrupted())).isFalse();
        assertThat(Thread.interrupted()).as("no flag is invented for a caller that had none").isFalse();
    }

    @Test
    void onTheCallerWorkBrokenByAnInterruptIsTriedThreeTimesInAll() throws IOException {
        AtomicInteger attempts = new AtomicInteger();
        String result = io.call(() -> {
            if (attempts.incrementAndGet() < 3) {
                Thread.currentThread().interrupt();
                throw new ClosedByInterruptException();
            }
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(attempts).hasValue(3);
        assertThat(Thread.interrupted()).as("the interrupt that broke the work is the caller's again").isTrue();

        AtomicInteger failing = new AtomicInteger();
        assertThatThrownBy(() -> io.call(() -> {
            failing.incrementAndGet();
            throw new ClosedByInterruptException();
        })).isInstanceOf(ClosedByInterruptException.class);
        assertThat(failing).hasValue(3);
    }

    @Test
    void failuresOnTheIoThreadReachTheCallerAsThrown() {
        io.serve();
        IOException io1 = new IOException("disk");
        assertThatThrownBy(() -> io.call(() -> {
            throw io1;
        })).isSameAs(io1);
        IllegalStateException runtime = new IllegalStateException("state");
        assertThatThrownBy(() -> io.call(() -> {
            throw runtime;
        })).isSameAs(runtime);
        OutOfMemoryError error = new OutOfMemoryError("simulated");
        assertThatThrownBy(() -> io.call(() -> {
            throw error;
        })).isSameAs(error);
    }

    @Test
    void closeWaitsForWorkAlreadyHandedOver() throws Exception {
        io.serve();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        assertThat(io.submit(() -> {
            started.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.set(true);
        })).isTrue();
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Boolean> doneWhenCloseReturned = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            io.close();
            doneWhenCloseReturned.set(done.get());
        }, "closer");
        closer.start();
        // Once close has begun, nothing more is handed over; the work is still held.
        await().atMost(Duration.ofSeconds(30)).until(() -> !io.submit(() -> { }));
        closer.interrupt(); // close waits through an interrupt too
        finish.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(doneWhenCloseReturned.get()).as("close returned only after the work").isTrue();
    }

    @Test
    void anIdleIoThreadEndsSoAnIdleStoreCostsNoThread() throws IOException {
        FileIo io = new FileIo("idle", 50);
        io.serve();
        Thread worker = io.call(Thread::currentThread);
        await().atMost(Duration.ofSeconds(30)).until(() -> !worker.isAlive());
        assertThat(io.call(Thread::currentThread)).as("a new thread when work comes again").isNotSameAs(worker)
                .isNotSameAs(Thread.currentThread());
        io.close();
    }
}
