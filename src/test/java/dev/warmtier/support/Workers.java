package dev.warmtier.support;

import dev.warmtier.TestHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * Runs a scenario's workers over HTTP: one thread and one HTTP client per worker, all released
 * together by a {@link CyclicBarrier}, each request timed. A worker still running after
 * {@link #HANG} is a hang (a deadlock, say): the run fails with the stacks of the workers left.
 * A run answers the scenario's figures, printed in one line,
 * {@code [label] workers=.. wall=..s ops=.. p50=..ms p99=..ms max=..ms}, so runs can be compared.
 */
public final class Workers {

    /** Far longer than any scenario takes; only there to turn a hang into a failure. */
    public static final Duration HANG = Duration.ofMinutes(2);

    /** What one worker does once the barrier releases it. */
    @FunctionalInterface
    public interface Body {
        void run(Worker worker) throws Exception;
    }

    /** One request as a worker saw it: the response, and when it was sent and answered ({@code nanoTime}). */
    public record Exchange(TestHttp.Response response, long sentNanos, long answeredNanos) {

        public int status() {
            return response.status();
        }

        public JsonNode json() {
            return response.json();
        }

        /** Whether the two requests were in flight at the same time, so neither finished before the other began. */
        public boolean overlaps(Exchange other) {
            return sentNanos < other.answeredNanos && other.sentNanos < answeredNanos;
        }

        @Override
        public String toString() {
            return response.toString();
        }
    }

    /** A worker: its role and index, its own HTTP client, and the latencies of its timed requests. */
    public static final class Worker {
        private final String role;
        private final int index;
        private final TestHttp http;
        private final Latencies latencies = new Latencies();

        private Worker(String role, int index, TestHttp http) {
            this.role = role;
            this.index = index;
            this.http = http;
        }

        String role() {
            return role;
        }

        public int index() {
            return index;
        }

        /** Sends one request and records its latency. */
        public Exchange send(String method, String path, String body, String... headers) {
            long sent = System.nanoTime();
            TestHttp.Response response = http.send(method, path, body, headers);
            long answered = System.nanoTime();
            latencies.record(answered - sent);
            return new Exchange(response, sent, answered);
        }

        /** Records the latency of something that is not a plain request (a raw socket exchange, say). */
        public void record(long latencyNanos) {
            latencies.record(latencyNanos);
        }
    }

    /** What a run measured; {@link #line()} is what it printed. */
    public record Figures(String label, int workers, long wallNanos, Latencies all, Map<String, Latencies> byRole) {

        public int ops() {
            return all.count();
        }

        public long p50() {
            return all.percentile(50);
        }

        public long p99() {
            return all.percentile(99);
        }

        /** Prints the figures line; scenarios print it before checking anything, so a failing run has it too. */
        public Figures print() {
            System.out.println(line());
            return this;
        }

        String line() {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%s] workers=%d wall=%.2fs %s",
                    label, workers, wallNanos / 1e9, all.summary()));
            if (byRole.size() > 1) {
                byRole.forEach((role, latencies) -> line.append(" | ").append(role).append(' ')
                        .append(latencies.summary()));
            }
            return line.toString();
        }
    }

    private record Group(String role, int count, Body body) {
    }

    private final int port;
    private final String label;
    private final List<Group> groups = new ArrayList<>();

    public Workers(int port, String label) {
        this.port = port;
        this.label = label;
    }

    /** Adds {@code count} workers of one role; every worker of every role starts at the same barrier. */
    public Workers add(String role, int count, Body body) {
        groups.add(new Group(role, count, body));
        return this;
    }

    /** Runs every worker to the end and answers what they measured (print it with {@link Figures#print()}). */
    public Figures run() {
        int total = groups.stream().mapToInt(Group::count).sum();
        /* When the barrier released the workers; written once, by the barrier action. */
        AtomicLong released = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(total, () -> released.set(System.nanoTime()));
        String threadPrefix = "worker[" + label + "]-";
        /* Numbers the worker threads, so a hang report names each one. */
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(total,
                task -> new Thread(task, threadPrefix + threadNumber.incrementAndGet()));
        List<Worker> workers = new ArrayList<>();
        List<Future<Worker>> futures = new ArrayList<>();
        try {
            for (Group group : groups) {
                for (int i = 0; i < group.count(); i++) {
                    int index = i;
                    futures.add(pool.submit(() -> {
                        Thread.currentThread().setName(threadPrefix + group.role() + "-" + index);
                        Worker worker = new Worker(group.role(), index, new TestHttp(port));
                        try {
                            start.await(HANG.toSeconds(), TimeUnit.SECONDS);
                        } catch (Exception e) {
                            start.reset(); // the others stop waiting for a worker that will never come
                            throw e;
                        }
                        group.body().run(worker);
                        return worker;
                    }));
                }
            }
            long deadline = System.nanoTime() + HANG.toNanos();
            Throwable failure = null;
            for (Future<Worker> future : futures) {
                try {
                    workers.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    throw new AssertionError("[" + label + "] workers still running after " + HANG
                            + ": a hang or a deadlock. Their stacks:\n" + stacks(threadPrefix), e);
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else {
                        failure.addSuppressed(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("[" + label + "] interrupted", e);
                }
            }
            long wall = System.nanoTime() - released.get();
            if (failure instanceof AssertionError assertion) {
                throw assertion;
            }
            if (failure != null) {
                throw new AssertionError("[" + label + "] a worker failed: " + failure, failure);
            }
            return figures(total, wall, workers);
        } finally {
            pool.shutdownNow();
        }
    }

    private Figures figures(int total, long wall, List<Worker> workers) {
        Map<String, List<Latencies>> parts = new LinkedHashMap<>();
        for (Worker worker : workers) {
            parts.computeIfAbsent(worker.role, role -> new ArrayList<>()).add(worker.latencies);
        }
        Map<String, Latencies> byRole = new LinkedHashMap<>();
        parts.forEach((role, latencies) -> byRole.put(role, Latencies.merge(latencies)));
        Latencies all = Latencies.merge(workers.stream().map(w -> w.latencies).toList());
        return new Figures(label, total, wall, all, byRole);
    }

    private static String stacks(String threadPrefix) {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().startsWith(threadPrefix)) {
                out.append(thread.getName()).append(" (").append(thread.getState()).append(")\n");
                for (StackTraceElement frame : stack) {
                    out.append("    at ").append(frame).append('\n');
                }
            }
        });
        return out.toString();
    }
}
