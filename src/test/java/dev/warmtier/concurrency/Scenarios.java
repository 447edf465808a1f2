package dev.warmtier.concurrency;

import static org.awaitility.Awaitility.await;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.warmtier.TestHttp;
import dev.warmtier.support.Findings;
import dev.warmtier.support.Latencies;
import dev.warmtier.support.Memories;
import dev.warmtier.support.SpaceReport;
import dev.warmtier.support.Workers;
import dev.warmtier.support.Workers.Exchange;
import dev.warmtier.support.Workers.Figures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;

/**
 * The concurrency scenarios, over HTTP against a running service. Each runs in a space of its
 * own, prints its figures line, and throws one AssertionError listing everything it found wrong;
 * so the same method proves the correct service clean and, called against the racy allocator,
 * proves that it catches the read-use-increment slot race.
 */
final class Scenarios {

    /** Workers that read every acknowledged memory back after a scenario ran. */
    static final int READ_BACK_WORKERS = 4;

    private final int port;
    private final TestHttp http;

    Scenarios(int port) {
        this.port = port;
        this.http = new TestHttp(port);
    }

    /** An acknowledged write: what was sent, what the service answered, and when. */
    record Ack(String id, String content, long version, long slot, Exchange exchange) {

        static Ack of(String id, String content, Exchange put) {
            JsonNode memory = put.json();
            return new Ack(id, content, memory.path("version").asLong(), memory.path("slot").asLong(), put);
        }

        @Override
        public String toString() {
            return id + " v" + version + " slot " + slot;
        }
    }

    // ---- 1 ---------------------------------------------------------------------------------

    /**
     * Scenario 1, concurrent stores: 10 workers x 100 PUTs of distinct ids. Every memory reads back
     * exactly; slots and versions are all distinct; the report is clean and counts 1000 slots.
     */
    Figures concurrentStores(String space) {
        String label = "scenario 1 concurrent stores";
        int workers = 10;
        int perWorker = 100;
        createSpace(space);
        Findings findings = new Findings(label);
        /* Acknowledged writes; each worker adds its own, the test thread reads them after the run. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        Figures figures = new Workers(port, label).add("writer", workers, worker -> {
            for (int i = 0; i < perWorker; i++) {
                String id = "s1-w" + worker.index() + "-" + i;
                String content = Memories.content(id, worker.index(), 0);
                Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                if (expectAck(findings, id, put, 201, content)) {
                    acks.add(Ack.of(id, content, put));
                }
            }
        }).run().print();
        findings.check(acks.size() == workers * perWorker,
                () -> acks.size() + " of " + workers * perWorker + " PUTs acknowledged");
        expectDistinct(findings, acks, Ack::slot, "slot");
        expectDistinct(findings, acks, Ack::version, "version");
        readBack(findings, space, acks);
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        report.expectSlots(findings, workers * perWorker, workers * perWorker);
        findings.throwIfAny();
        return figures;
    }

    // ---- 2 ---------------------------------------------------------------------------------

    /**
     * Scenario 2, concurrent gets: 100 memories, 20 workers x 1000 GETs, exact content every time;
     * fails on a pathological tail (p99 above 20 x p50 and above 20 ms).
     */
    Figures concurrentGets(String space) {
        String label = "scenario 2 concurrent gets";
        int memories = 100;
        int workers = 20;
        int perWorker = 1000;
        createSpace(space);
        Findings findings = new Findings(label);
        List<Ack> seeded = seed(findings, space, "s2-", memories, 0);
        findings.throwIfAny();
        Figures figures = new Workers(port, label).add("reader", workers, worker -> {
            for (int i = 0; i < perWorker; i++) {
                Ack expected = seeded.get((worker.index() * 37 + i) % memories);
                Exchange get = worker.send("GET", Memories.path(space, expected.id()), null);
                expectCurrent(findings, expected, get);
            }
        }).run().print();
        findings.check(figures.ops() == workers * perWorker, () -> figures.ops() + " GETs, expected " + workers * perWorker);
        long tailLimit = 20 * figures.p50();
        findings.check(figures.p99() <= tailLimit || figures.p99() <= 20_000_000L,
                () -> "pathological tail: p99=" + Latencies.millis(figures.p99()) + " is above 20 x p50 (p50="
                        + Latencies.millis(figures.p50()) + ") and above 20 ms");
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        report.expectSlots(findings, memories, memories);
        findings.throwIfAny();
        return figures;
    }

    // ---- 3 ---------------------------------------------------------------------------------

    /**
     * Scenario 3, mixed reads and writes: 5 writers x 100 PUTs of new ids while 10 readers x 50 GETs
     * read them. Every write lands; a read of an id acknowledged before it began finds it whole; a
     * read of one still being written finds it whole or not at all, never part of it.
     */
    Figures mixedReadsAndWrites(String space) {
        String label = "scenario 3 mixed reads and writes";
        int writers = 5;
        int perWriter = 100;
        int readers = 10;
        int perReader = 50;
        createSpace(space);
        Findings findings = new Findings(label);
        /* Per writer, how many of its ids are acknowledged: set by that writer after each 201, read by readers. */
        AtomicIntegerArray acknowledged = new AtomicIntegerArray(writers);
        /* Acknowledged writes; each writer adds its own. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        Figures figures = new Workers(port, label)
                .add("writer", writers, worker -> {
                    for (int i = 0; i < perWriter; i++) {
                        String id = "s3-w" + worker.index() + "-" + i;
                        String content = Memories.content(id, worker.index(), 0);
                        Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                        if (expectAck(findings, id, put, 201, content)) {
                            acks.add(Ack.of(id, content, put));
                        }
                        acknowledged.set(worker.index(), i + 1);
                    }
                })
                .add("reader", readers, worker -> {
                    SplittableRandom random = new SplittableRandom(worker.index());
                    for (int r = 0; r < perReader; r++) {
                        int writer = random.nextInt(writers);
                        int ackedBefore = acknowledged.get(writer);
                        // Mostly ids already stored, some being stored now or not yet.
                        int i = random.nextInt(Math.min(perWriter, ackedBefore + 3));
                        String id = "s3-w" + writer + "-" + i;
                        Exchange get = worker.send("GET", Memories.path(space, id), null);
                        if (get.status() == 404 && i >= ackedBefore) {
                            continue; // not stored yet when the read began: absent is right
                        }
                        if (get.status() != 200) {
                            findings.add("GET " + id + " (acknowledged before the read began: " + (i < ackedBefore)
                                    + ") answered " + get);
                            continue;
                        }
                        String mismatch = Memories.mismatch(id, Memories.content(id, writer, 0), get.json());
                        findings.check(mismatch == null, () -> "reader " + worker.index() + ": " + mismatch);
                    }
                })
                .run().print();
        findings.check(acks.size() == writers * perWriter,
                () -> acks.size() + " of " + writers * perWriter + " PUTs acknowledged");
        readBack(findings, space, acks);
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        report.expectSlots(findings, writers * perWriter, writers * perWriter);
        findings.throwIfAny();
        return figures;
    }

    // ---- 4 ---------------------------------------------------------------------------------

    /** One read of the hot spot: which id, and the version and origin the service answered. */
    private record Observation(int reader, String id, long version, Memories.Origin origin, String content) {
    }

    /**
     * Scenario 4, hot spot: 50 readers x 20 GETs on 10 ids while 5 writers keep rewriting them.
     * Every read is one of the complete values written for that id, embedding included; each
     * reader's versions per id never go backwards; a version read is one the service acknowledged,
     * for that id and that value; and some reads met a rewrite, not only the seeded values.
     */
    Figures hotSpot(String space) {
        String label = "scenario 4 hot spot";
        int ids = 10;
        int writers = 5;
        int readers = 50;
        int perReader = 20;
        int seeder = writers; // the writer number of the first value of every id
        createSpace(space);
        Findings findings = new Findings(label);
        List<Ack> seeded = seed(findings, space, "hot-", ids, seeder);
        findings.throwIfAny();
        /* Readers still reading; writers rewrite until it reaches zero (a failed reader counts down too). */
        CountDownLatch readersLeft = new CountDownLatch(readers);
        /* Per writer, how many writes it has sent: set by that writer before each PUT, read after the run. */
        AtomicIntegerArray sent = new AtomicIntegerArray(writers);
        /* Acknowledged rewrites; each writer adds its own. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>(seeded);
        /* Every read; each reader adds its own. */
        ConcurrentLinkedQueue<Observation> observations = new ConcurrentLinkedQueue<>();
        Figures figures = new Workers(port, label)
                .add("writer", writers, worker -> {
                    int sequence = 0;
                    for (; readersLeft.getCount() > 0; sequence++) {
                        String id = "hot-" + (sequence + worker.index()) % ids;
                        String content = Memories.content(id, worker.index(), sequence);
                        sent.set(worker.index(), sequence + 1);
                        Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                        if (expectAck(findings, id, put, 200, content)) {
                            acks.add(Ack.of(id, content, put));
                        }
                    }
                })
                .add("reader", readers, worker -> {
                    try {
                        SplittableRandom random = new SplittableRandom(worker.index());
                        Map<String, Long> lastVersion = new HashMap<>();
                        for (int r = 0; r < perReader; r++) {
                            String id = "hot-" + random.nextInt(ids);
                            Exchange get = worker.send("GET", Memories.path(space, id), null);
                            if (get.status() != 200) {
                                findings.add("reader " + worker.index() + ": GET " + id + " answered " + get);
                                continue;
                            }
                            JsonNode memory = get.json();
                            String mismatch = Memories.mismatch(id, null, memory);
                            if (mismatch != null) {
                                findings.add("reader " + worker.index() + ": " + mismatch);
                                continue;
                            }
                            long version = memory.path("version").asLong();
                            Long before = lastVersion.put(id, version);
                            findings.check(before == null || before <= version, () -> "reader " + worker.index()
                                    + ": " + id + " went back from v" + before + " to v" + version);
                            String content = memory.path("content").asString();
                            observations.add(new Observation(worker.index(), id, version,
                                    Memories.originOf(id, content), content));
                        }
                    } finally {
                        readersLeft.countDown();
                    }
                })
                .run().print();
        Map<Long, Ack> byVersion = new HashMap<>();
        for (Ack ack : acks) {
            Ack other = byVersion.put(ack.version(), ack);
            findings.check(other == null, () -> "version " + ack.version() + " acknowledged twice: " + other + ", " + ack);
        }
        for (Observation seen : observations) {
            Memories.Origin origin = seen.origin();
            boolean written = origin.writer() == seeder ? origin.sequence() == 0
                    : origin.writer() < writers && origin.sequence() < sent.get(origin.writer())
                    && seen.id().equals("hot-" + (origin.sequence() + origin.writer()) % ids);
            findings.check(written, () -> "reader " + seen.reader() + " read " + seen.id() + " v" + seen.version()
                    + " = writer " + origin.writer() + "'s write " + origin.sequence() + ", which it never sent");
            // Every write has its answer by now, so a version read must be one the service acknowledged.
            Ack ack = byVersion.get(seen.version());
            if (ack == null) {
                findings.add("reader " + seen.reader() + " read " + seen.id() + " v" + seen.version() + " as "
                        + Memories.preview(seen.content()) + ", a version no write was acknowledged with");
                continue;
            }
            findings.check(ack.id().equals(seen.id()) && ack.content().equals(seen.content()),
                    () -> "reader " + seen.reader() + " read " + seen.id() + " v" + seen.version() + " as "
                            + Memories.preview(seen.content()) + ", but v" + seen.version() + " was acknowledged for "
                            + ack.id() + " as " + Memories.preview(ack.content()));
        }
        // Reads that only ever met the seeded values would prove nothing about reads racing rewrites.
        long rewritesRead = observations.stream().filter(seen -> seen.origin().writer() != seeder).count();
        long versionsRead = observations.stream().mapToLong(Observation::version).distinct().count();
        System.out.printf("[%s] %d reads, %d of them of a rewrite, %d distinct versions read%n", label,
                observations.size(), rewritesRead, versionsRead);
        findings.check(rewritesRead > 0, () -> "none of the " + observations.size() + " reads met a rewrite: "
                + "the readers never raced the writers");
        expectHighestAcknowledged(findings, space, acks);
        int rewrites = 0;
        for (int w = 0; w < writers; w++) {
            rewrites += sent.get(w);
        }
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        report.expectSlots(findings, ids, ids + rewrites);
        findings.throwIfAny();
        return figures;
    }

    // ---- 5 ---------------------------------------------------------------------------------

    /**
     * Scenario 5, writer-writer: 20 workers write the same 50 ids (each id twice, in an order of
     * their own). Afterwards each id holds the value of its highest acknowledged version; versions
     * are distinct and follow real time per id; exactly one writer per id was told it created it,
     * with the id's lowest version; writers in flight together never shared a slot.
     */
    Figures writerWriter(String space) {
        String label = "scenario 5 writer-writer";
        int workers = 20;
        int ids = 50;
        int rounds = 2;
        createSpace(space);
        Findings findings = new Findings(label);
        /* Acknowledged writes; each worker adds its own. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        Figures figures = new Workers(port, label).add("writer", workers, worker -> {
            SplittableRandom random = new SplittableRandom(worker.index());
            int sequence = 0;
            for (int round = 0; round < rounds; round++) {
                for (int k : shuffled(ids, random)) {
                    String id = "ww-" + k;
                    String content = Memories.content(id, worker.index(), sequence++);
                    Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                    if (expectAck(findings, id, put, put.status() == 201 ? 201 : 200, content)) {
                        acks.add(Ack.of(id, content, put));
                    }
                }
            }
        }).run().print();
        int writes = workers * ids * rounds;
        findings.check(acks.size() == writes, () -> acks.size() + " of " + writes + " PUTs acknowledged");
        expectDistinct(findings, acks, Ack::version, "version");
        expectOneCreatorPerId(findings, acks);
        expectNoSharedSlotInFlight(findings, acks);
        expectVersionsFollowRealTime(findings, acks);
        expectHighestAcknowledged(findings, space, acks);
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        report.expectSlots(findings, ids, writes);
        findings.throwIfAny();
        return figures;
    }

    // ---- 6 ---------------------------------------------------------------------------------

    /** How a client gives up on a PUT body. */
    enum Abort {
        /** Content-Length promises twice the bytes; half arrive (a whole JSON document), then the socket closes. */
        CONTENT_LENGTH_CLOSED,
        /** The same, but the client only shuts its output and reads what the server answers. */
        CONTENT_LENGTH_HALF_CLOSED,
        /** A chunked body: one whole chunk (a whole JSON document), never the last chunk, then close. */
        CHUNKED_NO_LAST_CHUNK,
        /** A chunked body cut off in the middle of its first chunk, then close. */
        CHUNKED_CUT_MID_CHUNK
    }

    /**
     * Scenario 6a, clients that abort mid-body: 10 workers, each in 5 rounds sends one PUT per
     * {@link Abort} kind from a raw socket plus one whole PUT. Once the server has answered every
     * one of them, no aborted id exists, every whole PUT reads back, and the report counts only
     * the whole PUTs' slots: an aborted request never even claimed a slot.
     *
     * @param answeredPuts PUT requests the server has finished handling so far (its
     *                     {@code http.server.requests} meter), to wait for the aborted ones
     */
    Figures abortedRequests(String space, LongSupplier answeredPuts) {
        String label = "scenario 6a aborted requests";
        int workers = 10;
        int rounds = 5;
        createSpace(space);
        Findings findings = new Findings(label);
        long answeredBefore = answeredPuts.getAsLong();
        /* Ids of aborted PUTs; each worker adds its own. */
        ConcurrentLinkedQueue<String> abortedIds = new ConcurrentLinkedQueue<>();
        /* Acknowledged whole PUTs; each worker adds its own. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        Figures figures = new Workers(port, label).add("client", workers, worker -> {
            for (int round = 0; round < rounds; round++) {
                for (Abort abort : Abort.values()) {
                    String id = "aborted-" + abort.name().toLowerCase(Locale.ROOT) + "-w" + worker.index()
                            + "-" + round;
                    abortedIds.add(id);
                    long sent = System.nanoTime();
                    String answer = abortedPut(Memories.path(space, id), abort,
                            "{\"content\":\"" + id + " must never be stored\"}");
                    worker.record(System.nanoTime() - sent);
                    if (abort == Abort.CONTENT_LENGTH_HALF_CLOSED) {
                        findings.check(answer != null && answer.startsWith("HTTP/1.1 400"),
                                () -> id + ": a body cut short by the client was answered " + answer + ", expected 400");
                    }
                }
                String id = "whole-w" + worker.index() + "-" + round;
                String content = Memories.content(id, worker.index(), round);
                Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                if (expectAck(findings, id, put, 201, content)) {
                    acks.add(Ack.of(id, content, put));
                }
            }
        }).run().print();
        long requests = (long) workers * rounds * (Abort.values().length + 1);
        try {
            await("the server finishes all " + requests + " PUTs")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> answeredPuts.getAsLong() - answeredBefore >= requests);
        } catch (ConditionTimeoutException e) {
            findings.add("after a minute the server had finished " + (answeredPuts.getAsLong() - answeredBefore)
                    + " of the " + requests + " PUTs sent: an aborted request is stuck");
        }
        for (String id : abortedIds) {
            TestHttp.Response get = http.get(Memories.path(space, id));
            findings.check(get.status() == 404, () -> "aborted PUT " + id + " left a memory: GET answered " + get);
        }
        readBack(findings, space, acks);
        String after = "after-" + space;
        TestHttp.Response put = http.put(Memories.path(space, after), Memories.body(Memories.content(after, 0, 0)));
        findings.check(put.status() == 201, () -> "a PUT after the aborts answered " + put);
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        long whole = acks.size() + (put.status() == 201 ? 1 : 0);
        report.expectSlots(findings, whole, whole);
        findings.throwIfAny();
        return figures;
    }

    /** Sends a PUT from a raw socket and aborts its body; answers the status line when it read one, else null. */
    private String abortedPut(String path, Abort abort, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        boolean chunked = abort == Abort.CHUNKED_NO_LAST_CHUNK || abort == Abort.CHUNKED_CUT_MID_CHUNK;
        String head = "PUT " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nContent-Type: application/json\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + 2 * body.length + "\r\n")
                + "\r\n";
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) Workers.HANG.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            switch (abort) {
                case CONTENT_LENGTH_CLOSED, CONTENT_LENGTH_HALF_CLOSED -> out.write(body);
                case CHUNKED_NO_LAST_CHUNK -> {
                    out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                case CHUNKED_CUT_MID_CHUNK -> {
                    out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, body.length / 2);
                }
            }
            out.flush();
            if (abort != Abort.CONTENT_LENGTH_HALF_CLOSED) {
                return null; // try-with-resources closes the socket mid-body
            }
            socket.shutdownOutput();
            BufferedReader in = new BufferedReader(new InputStreamReader(
                    socket.getInputStream(), StandardCharsets.ISO_8859_1));
            return in.readLine();
        }
    }

    /**
     * Scenario 6b, a failure inside the engine between claiming a slot and publishing it, injected
     * with {@link FaultingSlotAllocator}. One by one: a failed replace leaves the old value, a failed
     * create leaves nothing, both answer a 500 problem, and the abandoned slots are neither live nor
     * a violation while {@code slotsAllocated} counts them. Then under load: 10 workers x 30 PUTs
     * (rewrites of the seeded ids and new ids) with the next 40 writes failing: exactly 40 answer
     * 500, each id holds its highest acknowledged version, the report is clean, later writes succeed.
     */
    Figures engineFaults(String space, FaultingSlotAllocator.Faults faults) {
        String label = "scenario 6b engine faults";
        int seededIds = 20;
        int workers = 10;
        int perWorker = 30;
        int failing = 40;
        createSpace(space);
        Findings findings = new Findings(label);
        List<Ack> seeded = seed(findings, space, "f-", seededIds, 0);
        findings.throwIfAny();
        SpaceReport before = SpaceReport.of(http, space);

        // One failed replace, one failed create.
        Ack old = seeded.get(0);
        faults.failNext(1);
        TestHttp.Response replace = http.put(Memories.path(space, old.id()),
                Memories.body(Memories.content(old.id(), 1, 1)));
        expectInjectedFailure(findings, old.id(), replace);
        expectRead(findings, space, old);
        faults.failNext(1);
        TestHttp.Response create = http.put(Memories.path(space, "f-new"), Memories.body(Memories.content("f-new", 1, 1)));
        expectInjectedFailure(findings, "f-new", create);
        TestHttp.Response absent = http.get(Memories.path(space, "f-new"));
        findings.check(absent.status() == 404, () -> "failed create of f-new left a memory: GET answered " + absent);
        findings.check(faults.pending() == 0, () -> faults.pending() + " armed faults were not taken");
        SpaceReport afterOne = SpaceReport.of(http, space);
        afterOne.expectClean(findings);
        afterOne.expectSlots(findings, before.slotsLive(), before.slotsAllocated() + 2);
        findings.check(afterOne.liveContentBytes() == before.liveContentBytes(),
                () -> "liveContentBytes moved from " + before.liveContentBytes() + " to " + afterOne.liveContentBytes()
                        + " though no write was published");
        findings.throwIfAny();

        // Under load.
        int injectedBefore = faults.injected();
        /* Acknowledged writes, including the seeds; each worker adds its own. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>(seeded);
        /* Writes answered with the injected 500; each worker adds its own. */
        ConcurrentLinkedQueue<String> failed = new ConcurrentLinkedQueue<>();
        faults.failNext(failing);
        Figures figures = new Workers(port, label).add("writer", workers, worker -> {
            for (int i = 0; i < perWorker; i++) {
                String id = i % 2 == 0 ? "f-" + (worker.index() + i) % seededIds : "g-w" + worker.index() + "-" + i;
                String content = Memories.content(id, worker.index() + 1, i);
                Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                if (put.status() == 500) {
                    failed.add(id + " " + Memories.preview(content));
                    expectInjectedFailure(findings, id, put.response());
                } else if (expectAck(findings, id, put, id.startsWith("f-") ? 200 : 201, content)) {
                    acks.add(Ack.of(id, content, put));
                }
            }
        }).run().print();
        faults.disarm();
        findings.check(failed.size() == failing && faults.injected() - injectedBefore == failing,
                () -> failing + " faults armed, " + (faults.injected() - injectedBefore) + " injected, "
                        + failed.size() + " PUTs answered 500");
        expectHighestAcknowledged(findings, space, acks);
        Set<String> stored = new HashSet<>();
        acks.forEach(ack -> stored.add(ack.id()));
        for (int w = 0; w < workers; w++) {
            for (int i = 1; i < perWorker; i += 2) {
                String id = "g-w" + w + "-" + i;
                if (!stored.contains(id)) {
                    TestHttp.Response get = http.get(Memories.path(space, id));
                    findings.check(get.status() == 404, () -> "failed create of " + id + " left a memory: " + get);
                }
            }
        }
        SpaceReport afterLoad = SpaceReport.of(http, space);
        afterLoad.expectClean(findings);
        afterLoad.expectSlots(findings, stored.size(), afterOne.slotsAllocated() + (long) workers * perWorker);

        String later = "f-later";
        TestHttp.Response put = http.put(Memories.path(space, later), Memories.body(Memories.content(later, 0, 0)));
        findings.check(put.status() == 201, () -> "a write after the faults answered " + put);
        TestHttp.Response health = http.get("/actuator/health");
        findings.check(health.status() == 200 && "UP".equals(health.json().path("components").path("warmTier")
                .path("status").asString()), () -> "health after the faults: " + health);
        findings.throwIfAny();
        return figures;
    }

    private static void expectInjectedFailure(Findings findings, String id, TestHttp.Response response) {
        findings.check(response.status() == 500
                        && String.valueOf(response.header("Content-Type")).startsWith("application/problem+json")
                        && response.json().path("type").asString("").endsWith("/internal-error"),
                () -> "PUT " + id + " with an injected engine fault answered " + response
                        + ", expected a 500 internal-error problem");
    }

    // ---- 7 ---------------------------------------------------------------------------------

    /**
     * Characters ids are drawn from: ASCII that a path must percent-encode ('/' and backslash too: the
     * connector passes %2F and %5C through to the id), and several scripts.
     */
    private static final int[] ID_CHARACTERS = "azAZ09-_.~ /\\%?#+&=;,:@!*()[]{}<>|^`'\"éßжλ漢字ا🧠😀\u00a0"
            .codePoints().toArray();
    /** Characters contents are drawn from: the id characters, a tab and a newline. */
    private static final int[] CONTENT_CHARACTERS = ("azAZ09-_.~ /\\%?#+&=;,:@!*()[]{}<>|^`'\"éßжλ漢字ا🧠😀\u00a0"
            + "\t\n").codePoints().toArray();

    /**
     * Scenario 7, the concurrent-put property over HTTP: any number of workers (2..10), memories per
     * worker (10..50), content sizes (1..1000 characters, non-ASCII among them) and ids (non-ASCII,
     * '/' sent as %2F): every memory reads back exactly, the listing holds exactly the ids written,
     * and the report is clean. Each example runs in a fresh space, dropped when it passes.
     */
    Figures property(String spacePrefix, int examples, int shrinkCycles) {
        String label = "scenario 7 property";
        /* Numbers the examples, so every one gets a fresh space. */
        AtomicInteger example = new AtomicInteger();
        List<Figures> runs = new ArrayList<>();
        qt().withExamples(examples).withShrinkCycles(shrinkCycles)
                .forAll(integers().between(2, 10), integers().between(10, 50), integers().between(1, 1000),
                        longs().all())
                .checkAssert((workers, perWorker, maxSize, seed) -> runs.add(propertyExample(
                        spacePrefix + "-" + example.incrementAndGet(), workers, perWorker, maxSize, seed)));
        Latencies all = Latencies.merge(runs.stream().map(Figures::all).toList());
        Figures figures = new Figures(label + " (" + runs.size() + " examples)",
                runs.stream().mapToInt(Figures::workers).max().orElse(0),
                runs.stream().mapToLong(Figures::wallNanos).sum(), all, Map.of());
        return figures.print();
    }

    private Figures propertyExample(String space, int workers, int perWorker, int maxSize, long seed) {
        String label = "scenario 7 property " + space + " workers=" + workers + " perWorker=" + perWorker
                + " maxSize=" + maxSize + " seed=" + seed;
        createSpace(space);
        Findings findings = new Findings(label);
        /* Acknowledged writes; each worker adds its own. */
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        Figures figures = new Workers(port, label).add("writer", workers, worker -> {
            for (int i = 0; i < perWorker; i++) {
                SplittableRandom random = new SplittableRandom(seed * 31 + worker.index() * 1_000_003L + i);
                String id = "w" + worker.index() + "-" + i + "-" + drawn(random, ID_CHARACTERS, 1 + random.nextInt(6));
                String content = drawn(random, CONTENT_CHARACTERS, 1 + random.nextInt(maxSize));
                Exchange put = worker.send("PUT", Memories.path(space, id), Memories.body(content));
                if (expectAck(findings, id, put, 201, content)) {
                    acks.add(Ack.of(id, content, put));
                }
            }
        }).run();
        int total = workers * perWorker;
        findings.check(acks.size() == total, () -> acks.size() + " of " + total + " PUTs acknowledged");
        expectDistinct(findings, acks, Ack::slot, "slot");
        readBack(findings, space, acks);
        Set<String> listed = listIds(findings, space);
        Set<String> written = new HashSet<>();
        acks.forEach(ack -> written.add(ack.id()));
        findings.check(listed.equals(written), () -> "the listing holds " + listed.size() + " ids, " + written.size()
                + " were written; listed but not written: " + difference(listed, written)
                + ", written but not listed: " + difference(written, listed));
        SpaceReport report = SpaceReport.of(http, space);
        report.expectClean(findings);
        report.expectSlots(findings, total, total);
        if (!findings.isEmpty()) {
            figures.print();
        }
        findings.throwIfAny();
        TestHttp.Response drop = http.send("DELETE", "/api/v1/spaces/" + space, null);
        if (drop.status() != 204) {
            throw new AssertionError("[" + label + "] dropping the space answered " + drop);
        }
        return figures;
    }

    private static String drawn(SplittableRandom random, int[] alphabet, int characters) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < characters; i++) {
            out.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
        }
        return out.toString();
    }

    /** Every id of the space, through the paged listing. */
    private Set<String> listIds(Findings findings, String space) {
        Set<String> ids = new HashSet<>();
        String after = null;
        do {
            String path = "/api/v1/spaces/" + space + "/memories?limit=1000"
                    + (after == null ? "" : "&after=" + Memories.encode(after));
            TestHttp.Response page = http.get(path);
            if (page.status() != 200) {
                findings.add("GET " + path + " answered " + page);
                return ids;
            }
            for (JsonNode item : page.json().path("items")) {
                findings.check(ids.add(item.path("id").asString()), () -> "listed twice: " + item.path("id"));
            }
            JsonNode next = page.json().path("next");
            after = next.isNull() || next.isMissingNode() ? null : next.asString();
        } while (after != null);
        return ids;
    }

    // ---- shared checks ---------------------------------------------------------------------

    /** Creates the scenario's space; it must be new, or the report's counts would mean nothing. */
    void createSpace(String space) {
        TestHttp.Response created = http.put("/api/v1/spaces/" + space, null);
        if (created.status() != 201) {
            throw new AssertionError("PUT /api/v1/spaces/" + space + " answered " + created + ", expected 201");
        }
    }

    /** Seeds {@code count} memories one by one, each as {@code writer}'s first write of it. */
    List<Ack> seed(Findings findings, String space, String prefix, int count, int writer) {
        List<Ack> seeded = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            String id = prefix + k;
            String content = Memories.content(id, writer, 0);
            TestHttp.Response put = http.put(Memories.path(space, id), Memories.body(content));
            if (put.status() != 201) {
                findings.add("seeding PUT " + id + " answered " + put);
                continue;
            }
            seeded.add(new Ack(id, content, put.json().path("version").asLong(), put.json().path("slot").asLong(),
                    null));
        }
        return seeded;
    }

    /** A PUT answered with the expected status, echoing what was sent, its version also as ETag. */
    static boolean expectAck(Findings findings, String id, Exchange put, int status, String content) {
        if (put.status() != status) {
            findings.add("PUT " + id + " answered " + put + ", expected " + status);
            return false;
        }
        String mismatch = Memories.mismatch(id, content, put.json());
        if (mismatch != null) {
            findings.add("PUT answer: " + mismatch);
            return false;
        }
        String etag = "\"" + put.json().path("version").asLong() + "\"";
        findings.check(etag.equals(put.response().header("ETag")),
                () -> "PUT " + id + ": ETag " + put.response().header("ETag") + ", body version " + etag);
        return true;
    }

    /** A GET answered with exactly this acknowledged memory. */
    private static void expectCurrent(Findings findings, Ack expected, Exchange get) {
        if (get.status() != 200) {
            findings.add("GET " + expected.id() + " answered " + get + ", expected v" + expected.version());
            return;
        }
        JsonNode memory = get.json();
        String mismatch = Memories.mismatch(expected.id(), expected.content(), memory);
        if (mismatch != null) {
            findings.add(mismatch);
            return;
        }
        findings.check(memory.path("version").asLong() == expected.version()
                        && memory.path("slot").asLong() == expected.slot(),
                () -> "GET " + expected.id() + " answered v" + memory.path("version") + " slot " + memory.path("slot")
                        + ", acknowledged as v" + expected.version() + " slot " + expected.slot());
    }

    /** Reads one id back now and expects exactly this acknowledged memory. */
    void expectRead(Findings findings, String space, Ack expected) {
        long sent = System.nanoTime();
        TestHttp.Response get = http.get(Memories.path(space, expected.id()));
        expectCurrent(findings, expected, new Exchange(get, sent, System.nanoTime()));
    }

    /** Per id, the memory read now is the acknowledged write with the highest version. */
    void expectHighestAcknowledged(Findings findings, String space, Collection<Ack> acks) {
        Map<String, Ack> highest = new LinkedHashMap<>();
        for (Ack ack : acks) {
            highest.merge(ack.id(), ack, (a, b) -> a.version() >= b.version() ? a : b);
        }
        readBack(findings, space, highest.values());
    }

    /**
     * Reads every acknowledged memory back, after the run, and expects exactly it. Done by
     * {@value #READ_BACK_WORKERS} workers: a read-back is a check, not a figure, so it is not printed.
     */
    void readBack(Findings findings, String space, Collection<Ack> acks) {
        List<Ack> all = List.copyOf(acks);
        new Workers(port, "read-back of " + space).add("reader", READ_BACK_WORKERS, worker -> {
            for (int i = worker.index(); i < all.size(); i += READ_BACK_WORKERS) {
                Ack expected = all.get(i);
                expectCurrent(findings, expected, worker.send("GET", Memories.path(space, expected.id()), null));
            }
        }).run();
    }

    /** No two acknowledged writes share a value of {@code key}. */
    static void expectDistinct(Findings findings, Collection<Ack> acks, ToLongFunction<Ack> key,
                               String name) {
        Map<Long, List<Ack>> byKey = new HashMap<>();
        for (Ack ack : acks) {
            byKey.computeIfAbsent(key.applyAsLong(ack), k -> new ArrayList<>()).add(ack);
        }
        byKey.forEach((value, sharing) -> findings.check(sharing.size() == 1,
                () -> name + " " + value + " given to " + sharing.size() + " acknowledged writes: " + sharing));
    }

    /**
     * Of the writers racing to store an id nobody had stored, exactly one was told it created it
     * (201), and that write has the id's lowest version: every other write replaced something (200).
     */
    static void expectOneCreatorPerId(Findings findings, Collection<Ack> acks) {
        Map<String, List<Ack>> byId = new HashMap<>();
        for (Ack ack : acks) {
            byId.computeIfAbsent(ack.id(), k -> new ArrayList<>()).add(ack);
        }
        byId.forEach((id, writes) -> {
            List<Ack> created = writes.stream().filter(ack -> ack.exchange().status() == 201).toList();
            Ack first = writes.stream().min(Comparator.comparingLong(Ack::version)).orElseThrow();
            findings.check(created.size() == 1 && created.get(0) == first, () -> id + ": " + created.size()
                    + " of " + writes.size() + " writes answered 201 " + created + ", expected exactly one, the lowest"
                    + " version " + first);
        });
    }

    /** Guarantee 3: writes in flight at the same time never share a slot; one finding per slot shared. */
    static void expectNoSharedSlotInFlight(Findings findings, Collection<Ack> acks) {
        Map<Long, List<Ack>> bySlot = new HashMap<>();
        for (Ack ack : acks) {
            bySlot.computeIfAbsent(ack.slot(), k -> new ArrayList<>()).add(ack);
        }
        bySlot.forEach((slot, sharing) -> {
            List<Ack> together = new ArrayList<>();
            for (Ack ack : sharing) {
                if (sharing.stream().anyMatch(other -> other != ack && other.exchange().overlaps(ack.exchange()))) {
                    together.add(ack);
                }
            }
            findings.check(together.isEmpty(), () -> "slot " + slot + " shared by " + together.size()
                    + " writes in flight together: " + together);
        });
    }

    /** Per id, a write acknowledged before another began has the smaller version. */
    static void expectVersionsFollowRealTime(Findings findings, Collection<Ack> acks) {
        Map<String, List<Ack>> byId = new HashMap<>();
        for (Ack ack : acks) {
            byId.computeIfAbsent(ack.id(), k -> new ArrayList<>()).add(ack);
        }
        for (List<Ack> writes : byId.values()) {
            for (Ack earlier : writes) {
                for (Ack later : writes) {
                    findings.check(earlier.exchange().answeredNanos() >= later.exchange().sentNanos()
                                    || earlier.version() < later.version(),
                            () -> earlier + " was acknowledged before " + later + " was sent, with a larger version");
                }
            }
        }
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static List<String> difference(Set<String> a, Set<String> b) {
        List<String> only = new ArrayList<>();
        for (String s : a) {
            if (!b.contains(s) && only.size() < 5) {
                only.add(s);
            }
        }
        return only;
    }
}
