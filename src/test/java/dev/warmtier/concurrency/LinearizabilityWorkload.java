package dev.warmtier.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.TestHttp;
import dev.warmtier.support.Histories;
import dev.warmtier.support.LinearizabilityChecker;
import dev.warmtier.support.LinearizabilityChecker.Kind;
import dev.warmtier.support.LinearizabilityChecker.Operation;
import dev.warmtier.support.LinearizabilityChecker.Outcome;
import dev.warmtier.support.LinearizabilityChecker.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The linearizability workload over HTTP: 8 clients, started together, send a random mix of PUT,
 * conditional PUT (If-Match with the last version the client saw), GET and DELETE on 3 keys of a
 * space of their own, each client staying on its previous key half the time. Something else may
 * run beside them (a compaction loop); once the clients and it are done, one more GET of each key
 * closes each history, so a write lost at the very end shows too.
 */
final class LinearizabilityWorkload {

    static final int CLIENTS = 8;
    /** Few keys, so writes of one key often overlap: with 4, the check-then-act If-Match was caught in 1 run of 3. */
    static final List<String> KEYS = List.of("k0", "k1", "k2");
    /** Each answer the model tells apart (PUT 201, If-Match 412, GET 404, ...) at least this often per run. */
    private static final int MINIMUM_PER_ANSWER = 5;

    /** Work that runs beside the clients until they are done; answers what it did, for the log. */
    @FunctionalInterface
    interface Beside {
        Beside NOTHING = done -> "";

        String run(BooleanSupplier clientsDone) throws Exception;
    }

    private final int port;

    LinearizabilityWorkload(int port) {
        this.port = port;
    }

    /** Each key's history whose check failed, explained; empty when every key is linearizable. Prints the figures. */
    static Map<String, String> unlinearizable(Map<String, List<Operation>> histories) {
        Map<String, String> failures = new TreeMap<>();
        for (Map.Entry<String, List<Operation>> key : histories.entrySet()) {
            long start = System.nanoTime();
            Verdict verdict = LinearizabilityChecker.check(key.getValue());
            System.out.printf("  key %s: %d operations, %d overlap another, linearizable=%b, checked in %d us "
                            + "(%d steps tried)%n", key.getKey(), key.getValue().size(), overlapping(key.getValue()),
                    verdict.linearizable(), (System.nanoTime() - start) / 1000, verdict.explored());
            if (!verdict.linearizable()) {
                failures.put(key.getKey(), LinearizabilityChecker.explain(key.getValue()));
            }
        }
        return failures;
    }

    /** Runs the workload in a new space and answers each key's history; prints the figures. */
    Map<String, List<Operation>> record(String space, int opsPerClient, Beside beside) throws Exception {
        TestHttp.Response created = new TestHttp(port).put("/api/v1/spaces/" + space, null);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long seed = System.nanoTime();
        CyclicBarrier start = new CyclicBarrier(CLIENTS + 2);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        CountDownLatch clientsDone = new CountDownLatch(CLIENTS);
        List<Future<List<Recorded>>> futures = new ArrayList<>();
        Queue<String> unanswered = new ConcurrentLinkedQueue<>();
        long wallNanos;
        try {
            for (int c = 0; c < CLIENTS; c++) {
                Client client = new Client(c, space, opsPerClient, new Random(seed + c), unanswered);
                futures.add(pool.submit(() -> {
                    try {
                        return client.run(start);
                    } finally {
                        clientsDone.countDown();
                    }
                }));
            }
            Future<String> besides = pool.submit(() -> {
                start.await(1, TimeUnit.MINUTES);
                return beside.run(() -> clientsDone.getCount() == 0);
            });
            start.await(1, TimeUnit.MINUTES);
            long begin = System.nanoTime();
            List<Recorded> all = new ArrayList<>();
            for (Future<List<Recorded>> f : futures) {
                all.addAll(f.get(2, TimeUnit.MINUTES));
            }
            wallNanos = System.nanoTime() - begin;
            String besideDid = besides.get(2, TimeUnit.MINUTES);
            if (!besideDid.isEmpty()) {
                System.out.println("beside the clients: " + besideDid);
            }
            Client last = new Client(CLIENTS, space, 0, new Random(seed), unanswered);
            for (String key : KEYS) {
                all.add(new Recorded(key, last.get(key)));
            }
            Map<String, List<Operation>> histories = new TreeMap<>();
            for (Recorded r : all) {
                histories.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.op());
            }
            long[] latencies = all.stream().filter(r -> !r.op().isPending())
                    .mapToLong(r -> r.op().responded() - r.op().invoked()).sorted().toArray();
            Map<String, Integer> outcomes = new TreeMap<>();
            all.forEach(r -> outcomes.merge(r.op().kind() + " " + (r.op().isPending() ? "pending"
                    : r.op().outcome().status()), 1, Integer::sum));
            System.out.printf("space %s, seed %d: %d clients x %d ops = %d ops on %d keys in %d ms wall "
                            + "(%.0f ops/s); latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; %s%n", space, seed,
                    CLIENTS, opsPerClient, all.size(), KEYS.size(), wallNanos / 1_000_000,
                    all.size() * 1e9 / wallNanos, percentile(latencies, 50), percentile(latencies, 99),
                    latencies[latencies.length - 1] / 1e6, outcomes);
            expectEveryCallAnswered(all, unanswered, opsPerClient);
            return histories;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One operation and the key it was on. */
    private record Recorded(String key, Operation op) {
    }

    /** One client: its own HttpClient and thread, the last version it saw per key, a record of what it did. */
    private final class Client {
        private final int id;
        private final String space;
        private final int ops;
        private final Random random;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        private final Map<String, Long> lastSeen = new HashMap<>();
        private final List<Recorded> done = new ArrayList<>();
        private final Queue<String> unanswered;

        Client(int id, String space, int ops, Random random, Queue<String> unanswered) {
            this.id = id;
            this.space = space;
            this.ops = ops;
            this.random = random;
            this.unanswered = unanswered;
        }

        List<Recorded> run(CyclicBarrier start) throws Exception {
            start.await(1, TimeUnit.MINUTES);
            String key = KEYS.get(0);
            for (int i = 0; i < ops; i++) {
                if (random.nextBoolean()) {
                    // Half the time the previous key again, so an If-Match often names a version just read
                    // and races the other clients' writes, instead of failing on a long-replaced one.
                    key = KEYS.get(random.nextInt(KEYS.size()));
                }
                String content = "client " + id + " op " + i;
                int roll = random.nextInt(100);
                if (roll < 25) {
                    done.add(new Recorded(key, put(key, content, null)));
                } else if (roll < 60) {
                    done.add(new Recorded(key, put(key, content, lastSeen.getOrDefault(key, 1L))));
                } else if (roll < 85) {
                    done.add(new Recorded(key, get(key)));
                } else {
                    done.add(new Recorded(key, delete(key)));
                }
            }
            return done;
        }

        private Operation put(String key, String content, Long ifMatch) throws InterruptedException {
            HttpRequest.Builder request = request(key).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + content + "\"}"));
            if (ifMatch != null) {
                request.header("If-Match", "\"" + ifMatch + "\"");
            }
            long invoked = System.nanoTime();
            TestHttp.Response response = send(request.build());
            long responded = System.nanoTime();
            Operation op = new Operation(id, ifMatch == null ? Kind.PUT : Kind.PUT_IF_MATCH, content,
                    ifMatch == null ? 0 : ifMatch, invoked, responded,
                    response == null ? null : new Outcome(response.status(), versionOf(key, response), null));
            return response == null ? op.pending() : op;
        }

        private Operation get(String key) throws InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(uri(key, "?embedding=false"))
                    .timeout(Duration.ofSeconds(30)).GET().build();
            long invoked = System.nanoTime();
            TestHttp.Response response = send(request);
            long responded = System.nanoTime();
            if (response == null) {
                return Operation.get(id, invoked, responded, 0, 0, null).pending();
            }
            long version = versionOf(key, response);
            String content = response.status() == 200 ? response.json().get("content").asString() : null;
            return Operation.get(id, invoked, responded, response.status(), version, content);
        }

        private Operation delete(String key) throws InterruptedException {
            HttpRequest request = request(key).DELETE().build();
            long invoked = System.nanoTime();
            TestHttp.Response response = send(request);
            long responded = System.nanoTime();
            Operation op = Operation.delete(id, invoked, responded, response == null ? 0 : response.status());
            return response == null ? op.pending() : op;
        }

        private HttpRequest.Builder request(String key) {
            return HttpRequest.newBuilder(uri(key, "")).timeout(Duration.ofSeconds(30));
        }

        private URI uri(String key, String query) {
            return URI.create("http://localhost:" + port + "/api/v1/spaces/" + space + "/memories/" + key + query);
        }

        /** The response, or null when none came (timeout, I/O error): the call is then pending. */
        private TestHttp.Response send(HttpRequest request) throws InterruptedException {
            try {
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                return new TestHttp.Response(response.statusCode(), response);
            } catch (IOException e) {
                String failure = String.format("client %d: %s %s got no response: %s", id, request.method(),
                        request.uri(), e);
                System.out.println(failure);
                unanswered.add(failure);
                return null;
            }
        }

        /** On a 200/201 the body's version, which must also be the ETag; remembered for If-Match. Else 0. */
        private long versionOf(String key, TestHttp.Response response) {
            if (response.status() != 200 && response.status() != 201) {
                return 0;
            }
            long version = response.json().get("version").asLong();
            assertThat(response.header("ETag")).as("ETag of %s", response).isEqualTo("\"" + version + "\"");
            lastSeen.put(key, version);
            return version;
        }
    }

    /**
     * On loopback with no fault injected every call gets its answer: a pending call may take
     * effect anywhere or never, so a service that reset connections would pass the check with
     * its calls pending. And every kind of call, with each answer the model tells apart, must be
     * there often enough that the check had something to reject.
     */
    private static void expectEveryCallAnswered(List<Recorded> all, Queue<String> unanswered, int opsPerClient) {
        long pending = all.stream().filter(r -> r.op().isPending()).count();
        System.out.printf("pending (unanswered) calls: %d of %d%n", pending, all.size());
        assertThat(pending).as(() -> "calls without an answer on loopback, none injected:\n"
                + String.join("\n", unanswered)).isZero();
        Map<Kind, Long> byKind = new EnumMap<>(Kind.class);
        Map<String, Long> byAnswer = new TreeMap<>();
        for (Recorded r : all) {
            byKind.merge(r.op().kind(), 1L, Long::sum);
            byAnswer.merge(r.op().kind() + " " + r.op().outcome().status(), 1L, Long::sum);
        }
        // The mix is 25/35/25/15 %; a sixteenth of all calls is far below any kind's share.
        long minimumPerKind = (long) CLIENTS * opsPerClient / 16;
        for (Kind kind : Kind.values()) {
            assertThat(byKind.getOrDefault(kind, 0L)).as("answered %s calls (all answers: %s)", kind, byAnswer)
                    .isGreaterThanOrEqualTo(minimumPerKind);
        }
        for (String answer : List.of("PUT 201", "PUT 200", "PUT_IF_MATCH 200", "PUT_IF_MATCH 412", "GET 200",
                "GET 404", "DELETE 204", "DELETE 404")) {
            assertThat(byAnswer.getOrDefault(answer, 0L)).as("calls answered %s (all answers: %s)", answer, byAnswer)
                    .isGreaterThanOrEqualTo(MINIMUM_PER_ANSWER);
        }
    }

    /** How many answered operations of a key's history overlap another answered one: the concurrency the check faced. */
    static long overlapping(List<Operation> history) {
        // A pending call overlaps everything after it; counting it would hide a run without concurrency.
        Operation[] byCall = history.stream().filter(op -> !op.isPending()).toArray(Operation[]::new);
        Arrays.sort(byCall, (a, b) -> Long.compare(a.invoked(), b.invoked()));
        boolean[] overlaps = new boolean[byCall.length];
        long furthest = Long.MIN_VALUE;
        int furthestAt = -1;
        for (int i = 0; i < byCall.length; i++) {
            if (byCall[i].invoked() <= furthest) {
                overlaps[i] = true;
                overlaps[furthestAt] = true;
            }
            if (byCall[i].responded() > furthest) {
                furthest = byCall[i].responded();
                furthestAt = i;
            }
        }
        long count = 0;
        for (boolean o : overlaps) {
            count += o ? 1 : 0;
        }
        return count;
    }

    private static double percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }
}
