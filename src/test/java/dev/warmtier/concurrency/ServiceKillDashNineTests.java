package dev.warmtier.concurrency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.warmtier.TestHttp;
import dev.warmtier.WarmTierApplication;
import dev.warmtier.system.WarmTierProperties;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.DefaultValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kill -9} of the whole service. A child JVM runs the real application on a data dir;
 * writers PUT and DELETE over HTTP and record every answer; the test SIGKILLs the child while they
 * run, starts a new one on the same data dir and reads everything back.
 *
 * <p>Each writer owns its ids and sends one request at a time, so per id the history is
 * sequential and at most one request (the writer's last, unanswered) was in flight at the kill.
 * The legal states of an id after the restart are therefore: the state its writer's last
 * acknowledged operation on it left (a PUT's answer byte for byte, or absent), or, when the
 * in-flight request was for that id, that request's effect, whole (the PUT's fields with a newer
 * version, or absent). Nothing else: no torn value, no lost acknowledgement, no id nobody wrote.
 * On top: the invariant report is clean, every version acknowledged after a restart is above
 * every version seen before it, the list endpoint names exactly the ids that answer 200, and the
 * service says it recovered (its startup log's RecoveryReport, {@code warmtier_recoveries_total}).
 * Three rounds on one data dir; what a round reads back must read back the same in every later
 * round.
 *
 * <p>Which requests were really inside the engine when the kill landed comes from the child
 * itself: an {@link EngineWriteJournal} it keeps in a mapped file notes each write's service
 * call, slot claim, payload write and return, and outlives the kill. It narrows the legal
 * states: a request that never reached the engine, or had not yet written its payload, must have
 * left nothing; one whose service call returned must have left its whole effect. Before each kill
 * the test asks the child to hold one write inside the engine (alternately just after its slot
 * claim and just before its per-key publish step), so every round kills at least one write there;
 * writes that are inside it by the race are counted beside it. A request the kill made fail
 * before it reached the service (a refused connection) counts as cut off, not as in flight.
 */
@Tag("integration")
class ServiceKillDashNineTests {

    private static final int WRITERS = 6;
    private static final int ROUNDS = 3;
    private static final int IDS_PER_WRITER = 32;
    private static final int DIMENSION = 8;
    /** Acknowledgements (all writers) before the kill: random in [MIN, MIN + SPREAD) per round. */
    private static final int KILL_AFTER_MIN = 300;
    private static final int KILL_AFTER_SPREAD = 600;
    private static final String MEMORIES = "/api/v1/spaces/default/memories";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path tempDir;

    private final List<ServiceProcess> services = new ArrayList<>();

    @Test
    void everyAcknowledgedWriteSurvivesSigkillOfTheServiceWholeAcrossRounds() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path dataDir = tempDir.resolve("data");
        System.out.printf("service kill -9: %d writers x %d ids, %d rounds, durability %s (the service's default,"
                + " not set here), seed %d%n", WRITERS, IDS_PER_WRITER, ROUNDS, defaultDurability(), seed);
        long testStart = System.nanoTime();
        try {
            ServiceProcess service = start(dataDir, 0);
            // id -> what a restart read back (null: absent); never to change again
            Map<String, JsonNode> settled = new TreeMap<>();
            long highestVersionSeen = 0;
            List<Integer> insideTheEngine = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                int killAfter = KILL_AFTER_MIN + random.nextInt(KILL_AFTER_SPREAD);
                // Alternate where the held write waits: a claimed slot still blank, or a written one unpublished.
                int holdAt = round % 2 == 0 ? EngineWriteJournal.HOLD_AFTER_CLAIM : EngineWriteJournal.HOLD_BEFORE_PUBLISH;
                Load load = loadAndKill(service, round, killAfter, holdAt);
                service = start(dataDir, round + 1);
                highestVersionSeen = checkAfterRestart(service, round, load, settled, highestVersionSeen);
                insideTheEngine.add(load.cuts().stream().mapToInt(cut -> cut.insideTheEngine() ? 1 : 0).sum());
            }
            System.out.printf("service kill -9: %d rounds in %.1f s; writes inside the engine at each kill %s%n",
                    ROUNDS, seconds(System.nanoTime() - testStart), insideTheEngine);
        } catch (Throwable failure) {
            for (ServiceProcess service : services) {
                System.out.printf("---- log of %s (%s) ----%n%s---- end of %s ----%n", service.name, service.log,
                        service.output(), service.name);
            }
            throw failure;
        } finally {
            for (ServiceProcess service : services) {
                service.destroy();
            }
        }
    }

    private ServiceProcess start(Path dataDir, int run) throws Exception {
        ServiceProcess service = ServiceProcess.start(dataDir, tempDir.resolve("service-" + run + ".log"),
                tempDir.resolve("engine-writes-" + run + ".journal"), "service " + run);
        services.add(service);
        service.awaitUp();
        return service;
    }

    // ---- load and kill ----------------------------------------------------------------------

    /**
     * What the writers of one round saw, when the kill landed, what the child's journal says each
     * writer's cut-off request had reached (in writer order), and the journal's own figures.
     */
    record Load(int round, int killAfter, List<History> histories, long killedAt, long loadNanos, int holdAt,
                List<Cut> cuts, EngineWriteJournal.Contents journal) {
        long acknowledged() {
            return histories.stream().mapToLong(History::acknowledged).sum();
        }
    }

    /**
     * Runs the writers against the service until they have {@code killAfter} acknowledgements
     * between them (and each at least as many as it owns ids), SIGKILLs it mid-load and collects
     * every writer's history; each writer ends at its first failed request, which is its one
     * in-flight operation.
     */
    private static Load loadAndKill(ServiceProcess service, int round, int killAfter, int holdAt) throws Exception {
        // per writer, 2xx answers so far; written by that writer, read by the thread deciding when to kill
        AtomicLongArray acked = new AtomicLongArray(WRITERS);
        CyclicBarrier start = new CyclicBarrier(WRITERS);
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<History>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> write(round, writer, service.port, start, acked)));
            }
            long loadStart = System.nanoTime();
            await("round " + round + ": " + killAfter + " acknowledged writes")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> !service.process.isAlive() || writers.stream().anyMatch(Future::isDone)
                            || (sum(acked) >= killAfter && min(acked) >= IDS_PER_WRITER));
            assertThat(service.process.isAlive()).as("%s is alive when the kill is due", service.name).isTrue();
            // One write is held inside the engine, so that every kill lands with at least one there;
            // whatever else is inside it when the kill lands is there by the race, and counted too.
            service.journal.requestHold(holdAt);
            await("round " + round + ": a write held inside the engine at point " + holdAt)
                    .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                    .until(() -> !service.process.isAlive() || writers.stream().anyMatch(Future::isDone)
                            || service.journal.holdInPlace());
            assertThat(service.process.isAlive()).as("%s is alive when the kill is due", service.name).isTrue();
            assertThat(service.journal.holdInPlace()).as("round %d: a write held inside the engine", round).isTrue();
            long killedAt = System.nanoTime();
            service.kill();
            List<History> histories = new ArrayList<>();
            for (Future<History> writer : writers) {
                histories.add(writer.get(60, TimeUnit.SECONDS));
            }
            EngineWriteJournal.Contents journal = service.journal.read();
            List<Cut> cuts = histories.stream().map(h -> Cut.of(h, journal)).toList();
            return new Load(round, killAfter, histories, killedAt, killedAt - loadStart, holdAt, cuts, journal);
        } finally {
            pool.shutdownNow();
        }
    }

    /** How far a writer's cut-off request had got inside the child when the kill landed, by the child's journal. */
    enum Reach {
        /** The service never called the engine for it: a request refused after the kill, or not yet read. */
        NOT_CALLED,
        /** The service call began, no slot claimed: a DELETE of an absent id, or one before its claim. */
        CALLED,
        /** A slot claimed (perhaps its payload written), the service call not returned: inside the engine. */
        INSIDE,
        /** As INSIDE, held there on the test's request at a point before the per-key publish step. */
        HELD,
        /** The service call returned; the answer did not reach the writer. */
        RETURNED
    }

    /** What a cut-off request must have left behind: the state before it, its whole effect, or either. */
    enum Expect { OLD, NEW, EITHER }

    /** A writer's cut-off request: how far it got, and its journal records from its service call on. */
    record Cut(int writer, Operation operation, Reach reach, List<EngineWriteJournal.Entry> records,
               String inconsistency) {

        boolean insideTheEngine() {
            return reach == Reach.INSIDE || reach == Reach.HELD;
        }

        /**
         * What the journal proves the request left behind. Nothing (OLD) before its payload was
         * noted written: the per-key publish step comes after that note. Its whole effect (NEW)
         * once the service call returned normally: the engine had published it in the mapped files,
         * which a SIGKILL keeps. Either in between, or when the call threw.
         */
        Expect expect() {
            return switch (reach) {
                case NOT_CALLED, CALLED, HELD -> Expect.OLD;
                case INSIDE -> has(EngineWriteJournal.PAYLOAD) ? Expect.EITHER : Expect.OLD;
                case RETURNED -> records.stream().anyMatch(r -> r.kind().equals(EngineWriteJournal.RETURNED)
                        && r.detail().equals("ok")) ? Expect.NEW : Expect.EITHER;
            };
        }

        boolean has(String kind) {
            return records.stream().anyMatch(r -> r.kind().equals(kind));
        }

        /**
         * Per id the writer's requests are sequential: every answered one made one service call,
         * so the cut-off request made one more when the journal has one call more than the id has
         * answers, and its records are those from that last call on.
         */
        static Cut of(History history, EngineWriteJournal.Contents journal) {
            Operation op = history.inFlight();
            if (op == null) {
                return new Cut(history.writer(), null, Reach.NOT_CALLED, List.of(), null);
            }
            long answered = history.answers().stream().filter(a -> a.operation().id().equals(op.id())).count();
            List<EngineWriteJournal.Entry> ofId = journal.entries().stream().filter(e -> e.id().equals(op.id()))
                    .toList();
            List<Integer> calls = new ArrayList<>();
            for (int i = 0; i < ofId.size(); i++) {
                if (ofId.get(i).kind().equals(EngineWriteJournal.CALLED)) {
                    calls.add(i);
                }
            }
            if (calls.size() == answered) {
                return new Cut(history.writer(), op, Reach.NOT_CALLED, List.of(), null);
            }
            if (calls.size() != answered + 1) {
                return new Cut(history.writer(), op, Reach.NOT_CALLED, ofId, "the journal has " + calls.size()
                        + " service calls for " + op.id() + ", which has " + answered + " answers");
            }
            List<EngineWriteJournal.Entry> records = ofId.subList(calls.get(calls.size() - 1), ofId.size());
            Set<String> kinds = new TreeSet<>();
            records.forEach(r -> kinds.add(r.kind()));
            Reach reach = kinds.contains(EngineWriteJournal.RETURNED) ? Reach.RETURNED
                    : kinds.contains(EngineWriteJournal.HELD) ? Reach.HELD
                    : kinds.contains(EngineWriteJournal.CLAIMED) ? Reach.INSIDE : Reach.CALLED;
            return new Cut(history.writer(), op, reach, records, null);
        }

        @Override
        public String toString() {
            return "writer " + writer + " " + (operation == null ? "-" : operation) + " " + reach + " " + records;
        }
    }

    /** A definite answer to one operation: 2xx (acknowledged), or 404 to a DELETE of an absent id. */
    record Answer(Operation operation, int status, String etag, JsonNode body) {
        boolean acknowledged() {
            return status / 100 == 2;
        }

        long version() {
            return body == null ? -1 : body.get("version").asLong();
        }
    }

    /**
     * One writer's round: its answers in order, then either its in-flight operation (the request
     * that failed, and when) or, if the service answered something no operation may get, that.
     */
    record History(int writer, List<Answer> answers, Operation inFlight, String inFlightFailure, long failedAt,
                   String unexpected) {
        long acknowledged() {
            return answers.stream().filter(Answer::acknowledged).count();
        }
    }

    private static History write(int round, int writer, int port, CyclicBarrier start, AtomicLongArray acked)
            throws Exception {
        // Not TestHttp: a connection error here is data (the in-flight request), not a test failure.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<Answer> answers = new ArrayList<>();
        start.await(30, TimeUnit.SECONDS);
        for (long op = 0; ; op++) {
            Operation operation = Operation.of(round, writer, op);
            HttpResponse<String> response;
            try {
                response = client.send(operation.request(port), HttpResponse.BodyHandlers.ofString(UTF_8));
            } catch (IOException e) {
                return new History(writer, answers, operation, e.toString(), System.nanoTime(), null);
            }
            int status = response.statusCode();
            if (status / 100 == 2 || (operation.delete() && status == 404)) {
                JsonNode body = operation.delete() ? null : JSON.readTree(response.body());
                answers.add(new Answer(operation, status, response.headers().firstValue("ETag").orElse(null), body));
                if (status / 100 == 2) {
                    acked.incrementAndGet(writer);
                }
            } else {
                return new History(writer, answers, null, null, 0,
                        operation + " answered " + status + " " + response.body());
            }
        }
    }

    // ---- check after the restart ------------------------------------------------------------

    /** Checks one round against the restarted service; returns the highest version seen so far. */
    private static long checkAfterRestart(ServiceProcess service, int round, Load load, Map<String, JsonNode> settled,
                                          long highestVersionBefore) {
        TestHttp http = new TestHttp(service.port);
        List<String> problems = new ArrayList<>();
        int earlier = settled.size();
        settled.forEach((id, before) -> {
            JsonNode now = read(http, id, problems);
            if (!Objects.equals(before, now)) {
                problems.add("earlier round's " + id + " changed: was " + describe(before) + ", now " + describe(now));
            }
        });
        Outcome outcome = checkRound(http, round, load, settled, problems);
        if (outcome.lowestAcked() != Long.MAX_VALUE && outcome.lowestAcked() <= highestVersionBefore) {
            problems.add("round " + round + " acknowledged version " + outcome.lowestAcked() + ", not above version "
                    + highestVersionBefore + " seen before its service started");
        }
        checkListing(http, settled, problems);
        JsonNode report = checkInvariants(http, problems);
        String recovery = service.recoveryReport();
        if (recovery == null || !recovery.contains("cleanStart=false") || !recovery.contains("created=false")) {
            problems.add("the restarted service logged no recovery of existing files after a crash: " + recovery);
        }
        String scrape = http.get("/actuator/prometheus").body();
        String recoveries = defaultSpaceSample(scrape, "warmtier_recoveries_total");
        String discarded = defaultSpaceSample(scrape, "warmtier_recovery_discarded_total");
        if (recoveries == null || Double.parseDouble(recoveries) != 1) {
            problems.add("warmtier_recoveries_total{space=\"default\"} is " + recoveries + ", expected 1 after a kill");
        }

        long[] perWriter = load.histories().stream().mapToLong(History::acknowledged).toArray();
        long deletes = load.histories().stream().flatMap(h -> h.answers().stream())
                .filter(a -> a.acknowledged() && a.operation().delete()).count();
        long absentDeletes = load.histories().stream().flatMap(h -> h.answers().stream())
                .filter(a -> !a.acknowledged()).count();
        long cutOff = load.histories().stream().filter(h -> h.inFlight() != null).count();
        long inFlight = load.cuts().stream().filter(Cut::insideTheEngine).count();
        checkJournal(load, problems);
        JsonNode invariants = report.path("invariants");
        System.out.printf("round %d: killed after %d acknowledged writes (%d PUT, %d DELETE; target %d) in %.2f s,"
                        + " per writer %s, plus %d DELETEs answered 404%n",
                round, load.acknowledged(), load.acknowledged() - deletes, deletes, load.killAfter(),
                seconds(load.loadNanos()), Arrays.toString(perWriter), absentDeletes);
        Map<Reach, List<String>> byReach = new TreeMap<>();
        load.cuts().forEach(cut -> byReach.computeIfAbsent(cut.reach(), r -> new ArrayList<>())
                .add(cut.operation() == null ? "writer " + cut.writer() : cut.operation() + (cut.has(
                        EngineWriteJournal.PAYLOAD) ? " payload written" : "")));
        System.out.printf("round %d: the kill cut off %d writers' requests; inside the engine %d (held at point %d:"
                        + " %s; there by the race: %s); by the child's journal %s; journal %d records, %d cut short"
                        + " by the kill%n", round, cutOff, inFlight, load.holdAt(), byReach.get(Reach.HELD),
                byReach.getOrDefault(Reach.INSIDE, List.of()), byReach, load.journal().entries().size(),
                load.journal().cutShort());
        System.out.printf("round %d: after the restart %d cut-off requests took effect whole, %d left no trace,"
                + " %d the same either way%n", round, outcome.tookEffect(), outcome.noTrace(), outcome.eitherWay());
        System.out.printf("round %d: restart UP after %.2f s (%s); %s; warmtier_recoveries_total %s,"
                        + " warmtier_recovery_discarded_total %s%n", round, seconds(service.upAfterNanos),
                service.startedLine(), recovery, recoveries, discarded);
        System.out.printf("round %d: /actuator/warmtier slotsAllocated=%s slotsLive=%s contentBytes=%s"
                        + " liveContentBytes=%s invariants ok=%s (%s ms); checked %d ids of this round, %d of"
                        + " earlier rounds; lowest version acknowledged %d (must be above %d, the highest seen"
                        + " before the restart), highest seen %d%n",
                round, report.path("slotsAllocated"), report.path("slotsLive"), report.path("contentBytes"),
                report.path("liveContentBytes"), invariants.path("ok"), invariants.path("tookMillis"),
                WRITERS * IDS_PER_WRITER, earlier, outcome.lowestAcked(), highestVersionBefore, outcome.highest());

        assertThat(problems).as("round %d after the restart (%d acknowledged, %s in flight; recovery %s)", round,
                load.acknowledged(), inFlight, recovery).isEmpty();
        assertThat(cutOff).as("writers whose last request the kill cut off").isEqualTo(WRITERS);
        assertThat(inFlight).as("round %d: writes inside the engine when the kill landed, by the child's journal: %s",
                round, load.cuts()).isPositive();
        assertThat(min(perWriter)).as("fewest acknowledged writes of a writer").isGreaterThanOrEqualTo(IDS_PER_WRITER);
        return Math.max(highestVersionBefore, outcome.highest());
    }

    /**
     * The journal must be whole enough to judge by: not full, every slot claim made inside a
     * service call, each cut-off request's calls matching its writer's answers, and exactly one
     * write held, one of the cut-off requests.
     */
    private static void checkJournal(Load load, List<String> problems) {
        EngineWriteJournal.Contents journal = load.journal();
        if (journal.full()) {
            problems.add("the engine write journal filled up; raise EngineWriteJournal.RECORDS");
        }
        journal.entries().stream().filter(e -> e.id().equals("null")).findFirst()
                .ifPresent(e -> problems.add("the engine claimed a slot outside a service call: " + e));
        load.cuts().stream().filter(cut -> cut.inconsistency() != null)
                .forEach(cut -> problems.add("writer " + cut.writer() + ": " + cut.inconsistency() + ": "
                        + cut.records()));
        long holds = journal.entries().stream().filter(e -> e.kind().equals(EngineWriteJournal.HELD)).count();
        long heldCuts = load.cuts().stream().filter(cut -> cut.reach() == Reach.HELD).count();
        if (holds != 1 || heldCuts != 1) {
            problems.add(holds + " writes held in the journal, " + heldCuts + " of them cut-off requests; expected 1: "
                    + load.cuts());
        }
    }

    /** What one round's ids read back as: versions seen, and what became of the in-flight requests. */
    record Outcome(long lowestAcked, long highest, int tookEffect, int noTrace, int eitherWay) {
    }

    /**
     * Reads back every id of the round and compares it with its writer's replayed history and
     * in-flight request; what it reads becomes settled for the later rounds.
     */
    private static Outcome checkRound(TestHttp http, int round, Load load, Map<String, JsonNode> settled,
                                      List<String> problems) {
        long highest = 0;
        long lowestAcked = Long.MAX_VALUE;
        int tookEffect = 0;
        int noTrace = 0;
        int eitherWay = 0;
        for (History history : load.histories()) {
            Map<String, Answer> lastAcked = replay(history, load.killedAt(), problems);
            long writerHighest = -1;
            for (Answer answer : history.answers()) {
                if (answer.body() != null) {
                    writerHighest = Math.max(writerHighest, answer.version());
                    lowestAcked = Math.min(lowestAcked, answer.version());
                }
            }
            highest = Math.max(highest, writerHighest);
            Operation inFlight = history.inFlight();
            Cut cut = load.cuts().stream().filter(c -> c.writer() == history.writer()).findFirst().orElseThrow();
            for (int i = 0; i < IDS_PER_WRITER; i++) {
                String id = Operation.id(round, history.writer(), i);
                JsonNode actual = read(http, id, problems);
                Answer acked = lastAcked.get(id);
                JsonNode expected = acked == null ? null : acked.body();
                boolean inFlightHere = inFlight != null && inFlight.id().equals(id);
                boolean asAcked = Objects.equals(expected, actual);
                boolean asInFlight = inFlightHere && inFlight.tookEffectIn(actual, writerHighest);
                if (inFlightHere) {
                    if (asAcked && asInFlight) {
                        eitherWay++;
                    } else if (asInFlight) {
                        tookEffect++;
                    } else if (asAcked) {
                        noTrace++;
                    }
                }
                if (inFlightHere) {
                    Expect expect = cut.expect();
                    boolean fits = switch (expect) {
                        case OLD -> asAcked;
                        case NEW -> asInFlight;
                        case EITHER -> asAcked || asInFlight;
                    };
                    if (!fits) {
                        problems.add(id + ": in-flight " + inFlight + " was " + cut.reach() + " at the kill, so it"
                                + " must read back " + (expect == Expect.OLD ? "as acknowledged, " + describe(expected)
                                : "as its whole effect") + "; found " + describe(actual) + "; its journal "
                                + cut.records());
                    }
                }
                if (!asAcked && !asInFlight) {
                    problems.add(id + ": expected " + describe(expected) + " (writer " + history.writer()
                            + "'s last acknowledged " + (acked == null ? "none" : acked.operation()) + ")"
                            + (inFlightHere ? " or the effect of in-flight " + inFlight : "") + ", found "
                            + describe(actual));
                }
                if (actual != null) {
                    highest = Math.max(highest, actual.get("version").asLong());
                }
                settled.put(id, actual);
            }
        }
        return new Outcome(lowestAcked, highest, tookEffect, noTrace, eitherWay);
    }

    /** {@code /actuator/warmtier}: ok and every count zero in every space; returns the default space's report. */
    private static JsonNode checkInvariants(TestHttp http, List<String> problems) {
        JsonNode spaces = http.get("/actuator/warmtier").json().path("spaces");
        if (!spaces.has("default")) {
            problems.add("/actuator/warmtier has no default space: " + spaces);
        }
        for (Map.Entry<String, JsonNode> space : spaces.properties()) {
            JsonNode invariants = space.getValue().path("invariants");
            for (String count : List.of("duplicateSlots", "overlappingContentRanges", "contentLengthMismatchBytes",
                    "nonMonotonicSlots", "checksumFailures", "indexMismatches")) {
                if (!invariants.path(count).isNumber() || invariants.path(count).asLong() != 0) {
                    problems.add("/actuator/warmtier " + space.getKey() + " " + count + " = " + invariants.path(count));
                }
            }
            if (!invariants.path("ok").asBoolean(false)) {
                problems.add("/actuator/warmtier " + space.getKey() + " is not ok: " + space.getValue());
            }
        }
        JsonNode report = spaces.path("default");
        String health = http.get("/actuator/health").json().path("components").path("warmTier").path("status")
                .asString();
        if (!"UP".equals(health)) {
            problems.add("warmTier health is " + health);
        }
        return report;
    }

    /**
     * Replays a writer's answers in order: the last acknowledged answer per id. Also checks what
     * the sequential history implies before any kill: 201 only for an absent id, 200 only for a
     * present one, a 404 DELETE only for an absent id, versions growing, the ETag matching, and no
     * request failing before the kill.
     */
    private static Map<String, Answer> replay(History history, long killedAt, List<String> problems) {
        if (history.unexpected() != null) {
            problems.add("writer " + history.writer() + ": " + history.unexpected());
        }
        if (history.inFlight() != null && history.failedAt() < killedAt) {
            problems.add("writer " + history.writer() + ": " + history.inFlight() + " failed "
                    + (killedAt - history.failedAt()) / 1_000_000 + " ms before the kill: "
                    + history.inFlightFailure());
        }
        Map<String, Answer> last = new HashMap<>();
        long previousVersion = -1;
        for (Answer answer : history.answers()) {
            Operation op = answer.operation();
            Answer before = last.get(op.id());
            boolean present = before != null && before.body() != null;
            int expectedStatus = op.delete() ? (present ? 204 : 404) : (present ? 200 : 201);
            if (answer.status() != expectedStatus) {
                problems.add(op + " answered " + answer.status() + ", expected " + expectedStatus + " after "
                        + (before == null ? "nothing" : before.operation()));
            }
            if (answer.body() != null) {
                if (answer.version() <= previousVersion) {
                    problems.add(op + " got version " + answer.version() + " after " + previousVersion);
                }
                if (!("\"" + answer.version() + "\"").equals(answer.etag())) {
                    problems.add(op + " ETag " + answer.etag() + " for version " + answer.version());
                }
                previousVersion = answer.version();
            }
            if (answer.acknowledged()) {
                last.put(op.id(), answer);
            }
        }
        return last;
    }

    /** GET of one id: its body (ETag checked), or null when it answers 404. */
    private static JsonNode read(TestHttp http, String id, List<String> problems) {
        TestHttp.Response response = http.get(MEMORIES + "/" + id);
        if (response.status() == 404) {
            return null;
        }
        if (response.status() != 200) {
            problems.add("GET " + id + " answered " + response);
            return null;
        }
        JsonNode body = response.json();
        if (!("\"" + body.path("version").asLong() + "\"").equals(response.header("ETag"))) {
            problems.add("GET " + id + ": ETag " + response.header("ETag") + " for version " + body.path("version"));
        }
        return body;
    }

    /** The list endpoint must name exactly the ids that answer 200, at the versions they answer with. */
    private static void checkListing(TestHttp http, Map<String, JsonNode> settled, List<String> problems) {
        Map<String, Long> listed = new TreeMap<>();
        String cursor = null;
        do {
            String query = "?limit=1000" + (cursor == null ? "" : "&after=" + URLEncoder.encode(cursor, UTF_8));
            JsonNode page = http.get(MEMORIES + query).json();
            for (JsonNode item : page.path("items")) {
                listed.put(item.path("id").asString(), item.path("version").asLong());
            }
            cursor = page.path("next").isNull() ? null : page.path("next").asString();
        } while (cursor != null);
        Set<String> live = new TreeSet<>();
        settled.forEach((id, body) -> {
            if (body != null) {
                live.add(id);
                Long version = listed.get(id);
                if (version != null && version != body.get("version").asLong()) {
                    problems.add("list shows " + id + " at version " + version + ", GET at " + body.get("version"));
                }
            }
        });
        if (!listed.keySet().equals(live)) {
            Set<String> extra = new TreeSet<>(listed.keySet());
            extra.removeAll(live);
            Set<String> missing = new TreeSet<>(live);
            missing.removeAll(listed.keySet());
            problems.add("list differs from GETs: listed but not live " + extra + ", live but not listed " + missing);
        }
    }

    /** The value of a Prometheus sample of the default space, or null when the scrape has none. */
    private static String defaultSpaceSample(String scrape, String name) {
        Matcher sample = Pattern.compile("^" + Pattern.quote(name) + "\\{[^}]*space=\"default\"[^}]*\\} (\\S+)$",
                Pattern.MULTILINE).matcher(scrape);
        return sample.find() ? sample.group(1) : null;
    }

    private static String describe(JsonNode body) {
        if (body == null) {
            return "absent";
        }
        String content = body.path("content").asString();
        return "version " + body.path("version") + " slot " + body.path("slot") + " content '"
                + content.substring(0, Math.min(24, content.length())) + "…' (" + content.length() + " chars)";
    }

    // ---- operations -------------------------------------------------------------------------

    /**
     * Operation {@code op} of a writer in a round: fully determined by those three numbers, so a
     * history can be replayed and an in-flight PUT recognised field by field. Every seventh is a
     * DELETE; a PUT's content starts with a tag naming the id and op, so no two PUTs store the
     * same content; sizes vary up to 4,000 characters, every 23rd 64 Ki, with multi-byte ones.
     */
    record Operation(String id, long op, boolean delete, String content, float[] embedding, float confidence,
                     float activation, float decayRate) {

        /** ASCII, two- and three-byte characters and a surrogate pair (four UTF-8 bytes). */
        private static final int[] ALPHABET = "abcdefghijklmnopqrstuvwxyz 0123456789 \u00e9\u20ac\ud83d\ude00"
                .codePoints().toArray();

        static String id(int round, int writer, long index) {
            return "r" + round + "-w" + writer + "-" + index;
        }

        static Operation of(int round, int writer, long op) {
            String id = id(round, writer, op % IDS_PER_WRITER);
            if (op % 7 == 6) {
                return new Operation(id, op, true, null, null, 0, 0, 0);
            }
            int extra = op % 23 == 22 ? 64 * 1024 : (int) ((op * 2654435761L + writer) % 4000);
            StringBuilder content = new StringBuilder(id).append('#').append(op).append(':');
            for (int i = 0; i < extra; i++) {
                content.appendCodePoint(ALPHABET[(int) ((i * 31L + op) % ALPHABET.length)]);
            }
            Random random = new Random(op * 1_000_003L + writer * 1009L + round);
            float[] embedding = new float[DIMENSION];
            for (int i = 0; i < DIMENSION; i++) {
                embedding[i] = random.nextFloat() * 2 - 1;
            }
            return new Operation(id, op, false, content.toString(), embedding, (op % 101) / 100f, (op % 37) / 36f,
                    (op % 13) / 4f);
        }

        HttpRequest request(int port) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + MEMORIES
                    + "/" + id)).timeout(Duration.ofSeconds(30));
            if (delete) {
                return request.DELETE().build();
            }
            ObjectNode body = JSON.createObjectNode().put("content", content).put("confidence", confidence)
                    .put("activation", activation).put("decayRate", decayRate);
            ArrayNode values = body.putArray("embedding");
            for (float value : embedding) {
                values.add(value);
            }
            return request.header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), UTF_8)).build();
        }

        /**
         * Whether {@code actual} (null: absent) is this operation's effect, whole: absent for a
         * DELETE; for a PUT every field it sent, at a version above every version its writer had
         * acknowledged (it was sent after those answers came).
         */
        boolean tookEffectIn(JsonNode actual, long writerHighestVersion) {
            if (delete || actual == null) {
                return delete && actual == null;
            }
            float[] stored = new float[actual.path("embedding").size()];
            for (int i = 0; i < stored.length; i++) {
                stored[i] = (float) actual.path("embedding").get(i).asDouble();
            }
            return actual.path("version").asLong() > writerHighestVersion
                    && content.equals(actual.path("content").asString())
                    && Arrays.equals(embedding, stored)
                    && confidence == (float) actual.path("confidence").asDouble()
                    && activation == (float) actual.path("activation").asDouble()
                    && decayRate == (float) actual.path("decayRate").asDouble();
        }

        @Override
        public String toString() {
            return (delete ? "DELETE " : "PUT ") + id + " (op " + op + (delete ? "" : ", " + content.length()
                    + " chars") + ")";
        }
    }

    // ---- the child process ------------------------------------------------------------------

    /** One run of the real service in a child JVM, its stdout and stderr in a file. */
    static final class ServiceProcess {

        private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");
        private static final Pattern STARTED = Pattern.compile("Started \\w+ in .*\\)");
        private static final Pattern RECOVERY = Pattern.compile("Opened space default[^:]*: (RecoveryReport\\[[^]]*])");

        final String name;
        final Process process;
        final Path log;
        /** Mapped here too: the parent asks for the hold through it and reads it after the kill; null without one. */
        final EngineWriteJournal journal;
        final long startedAt;
        int port;
        long upAfterNanos;

        private ServiceProcess(String name, Process process, Path log, EngineWriteJournal journal, long startedAt) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.journal = journal;
            this.startedAt = startedAt;
        }

        /**
         * Starts the application on this JVM's classpath (the packaged jar does not exist yet in
         * the test phase), with the service's defaults but for port, data dir and dimension, plus
         * the engine write journal ({@link EngineWriteJournalConfiguration}, whose main adds it as
         * a source). Other test-only configurations on that classpath (such as the racy
         * allocator's) stay out: spring-boot-test's ExcludeFilterApplicationContextInitializer keeps
         * them from component scanning in any SpringApplication.
         */
        static ServiceProcess start(Path dataDir, Path log, Path journalFile, String name) throws IOException {
            // C1 only: half the CPU to start (13 s -> 6 s measured on this 2-core machine), and what a
            // SIGKILL leaves behind does not depend on how well the code was compiled.
            return start(dataDir, log, name, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-D" + EngineWriteJournalConfiguration.JOURNAL + "=" + journalFile),
                    EngineWriteJournalConfiguration.class, EngineWriteJournal.map(journalFile));
        }

        /** The plain application, no journal, with these JVM options and extra {@code --warmtier.x=...} arguments. */
        static ServiceProcess start(Path dataDir, Path log, String name, List<String> jvmOptions,
                                    String... arguments) throws IOException {
            return start(dataDir, log, name, jvmOptions, WarmTierApplication.class, null, arguments);
        }

        private static ServiceProcess start(Path dataDir, Path log, String name, List<String> jvmOptions,
                                            Class<?> application, EngineWriteJournal journal, String... arguments)
                throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), application.getName(),
                    "--server.port=0", "--warmtier.data-dir=" + dataDir, "--warmtier.embedding-dimension=" + DIMENSION));
            command.addAll(Arrays.asList(arguments));
            long startedAt = System.nanoTime();
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new ServiceProcess(name, process, log, journal, startedAt);
        }

        /** Waits for Tomcat's port line in the log, then for {@code /actuator/health} UP. */
        void awaitUp() {
            HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            await(name + " UP").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was UP");
                }
                if (port == 0) {
                    Matcher matcher = PORT.matcher(output());
                    if (!matcher.find()) {
                        return false;
                    }
                    port = Integer.parseInt(matcher.group(1));
                }
                try {
                    HttpResponse<String> health = probe.send(HttpRequest.newBuilder(
                                    URI.create("http://localhost:" + port + "/actuator/health"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
                    return health.statusCode() == 200 && "UP".equals(JSON.readTree(health.body()).path("status")
                            .asString());
                } catch (IOException e) {
                    return false;
                }
            });
            upAfterNanos = System.nanoTime() - startedAt;
        }

        /**
         * SIGKILL: on Linux {@code Process.destroyForcibly()} is {@code ProcessImpl.destroy(true)},
         * which ends in {@code ProcessHandleImpl.destroy0}'s {@code kill(pid, SIGKILL)}; no
         * shutdown hook, no close, no flush runs. Exit status 137 (128 + 9) confirms the signal.
         */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("%s ended after SIGKILL", name).isTrue();
            assertThat(process.exitValue()).as("%s's exit status after SIGKILL (128 + 9)", name).isEqualTo(137);
        }

        void destroy() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }

        /** The log so far; a kill may have cut a character in half, so bad bytes are replaced, not fatal. */
        String output() {
            try {
                return Files.exists(log) ? new String(Files.readAllBytes(log), UTF_8) : "";
            } catch (IOException e) {
                return "(log unreadable: " + e + ")";
            }
        }

        /** The RecoveryReport the service logged for the default space, or null. */
        String recoveryReport() {
            return find(RECOVERY, 1);
        }

        /** Spring Boot's own startup time line. */
        String startedLine() {
            return find(STARTED, 0);
        }

        private String find(Pattern pattern, int group) {
            Matcher matcher = pattern.matcher(output());
            return matcher.find() ? matcher.group(group) : null;
        }
    }

    // ---- small helpers ----------------------------------------------------------------------

    /** The durability the service uses when none is configured, as WarmTierProperties declares it. */
    private static String defaultDurability() throws NoSuchMethodException {
        RecordComponent[] components = WarmTierProperties.class.getRecordComponents();
        Constructor<WarmTierProperties> canonical = WarmTierProperties.class.getDeclaredConstructor(
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals("durability")) {
                return canonical.getParameters()[i].getAnnotation(DefaultValue.class).value()[0];
            }
        }
        throw new IllegalStateException("WarmTierProperties has no durability");
    }

    private static long sum(AtomicLongArray values) {
        long sum = 0;
        for (int i = 0; i < values.length(); i++) {
            sum += values.get(i);
        }
        return sum;
    }

    private static long min(AtomicLongArray values) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < values.length(); i++) {
            min = Math.min(min, values.get(i));
        }
        return min;
    }

    private static long min(long[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
