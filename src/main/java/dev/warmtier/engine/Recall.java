package dev.warmtier.engine;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One recall: the exact top k of the live memories by cosine similarity, read in place from the
 * mapped slots.
 *
 * <p><b>The scan.</b> It walks the active generation's {@link LiveSlots} in slot order, so it reads
 * only live slots, each one's embedding contiguous and in file order; per slot it reads the
 * confidence (filter), the norm stored at write time, and the embedding, whose dot product with the
 * unit query is the {@link VectorScorer}'s. Nothing is copied into the heap and no object is made
 * per memory: a slot enters a bounded heap of the best k ({@link Best}) as a score and a slot
 * number. The slots are cut into batches of {@link #BATCH_SLOTS}; the caller and up to
 * {@code recallThreads - 1} {@link RecallWorkers} take batches from one cursor.
 *
 * <p><b>The gate.</b> Each batch is scanned inside the store's gate, after checking that the
 * generation is still the one the pass started on; between batches the scan is outside, so a
 * generation switch waits for at most one batch. A pass that finds the generation switched starts
 * again on the new one (what it found names slots of files that are going away). The answer is
 * read inside the gate too, in the same generation, so every slot it names is still mapped.
 *
 * <p><b>What it returns while writes go on.</b> A slot's bit is read with acquire and slots are
 * immutable once committed, so each memory is read whole, as the version whose bit was set when
 * the scan reached it: live at that instant, which lies inside the call. A memory deleted or
 * replaced before the call began has its bit cleared already and is never seen. A memory replaced
 * during the scan moves to a slot claimed after the pass began, past the batches the pass set out
 * to scan: the caller scans those slots at the end of the pass ({@link #TAIL_ROUNDS} rounds at
 * most). An id met twice keeps its better-ranked version; when such a loss, or an unreadable
 * record, frees a place a candidate some part dropped might deserve, the pass runs again with room
 * for as many more ({@link #MAX_PASSES} passes at most). Only a write already under way when a
 * pass begins can make that pass miss its memory.
 *
 * <p><b>Scores.</b> The query is scaled to unit length in double precision; a memory's score is
 * {@code dot(unit query, embedding) / norm}, in float, clamped to [-1, 1]. Where float could lose
 * the answer (a norm outside [{@link #MIN_NORM}, {@link #MAX_NORM}], or +0.0: a slot written before
 * norms were stored) the score is computed again in double from the slot; a zero vector's norm is
 * stored as -0.0 and scores 0 at once. Equal
 * scores are ordered by id ({@link String#compareTo}), read from the record only when two scores tie.
 *
 * <p>Threads: made and run by one caller; its parts run on the caller's thread and the workers'.
 */
final class Recall {

    /** Slots per batch: about 6 MB of 768-float slots, half a millisecond of scanning, between two gate entries. */
    static final int BATCH_SLOTS = 2048;
    /** Below this many slots per thread, fewer threads: handing a part over costs more than it saves. */
    static final int MIN_SLOTS_PER_THREAD = 16_384;
    /** Scans of one recall at most; only writes replacing its best memories meanwhile make it scan again. */
    static final int MAX_PASSES = 4;
    /** Rounds of scanning the slots claimed during a pass, at its end. */
    static final int TAIL_ROUNDS = 3;
    /** Best first: higher score, then smaller id. */
    static final Comparator<Best.Candidate> RANKING = Comparator.comparingDouble((Best.Candidate c) -> -c.score())
            .thenComparing(Best.Candidate::id);
    static final float MIN_NORM = 1e-18f;
    static final float MAX_NORM = 1e18f;

    private final MemoryStore store;
    private final InFlightGate gate;
    private final RecallQuery query;
    private final VectorScorer scorer;
    private final int threads;
    /** The query scaled to unit length, in float for the scorer and in double for the exact path. */
    private final float[] unit;
    private final double[] unitExact;
    private final boolean zeroQuery;

    Recall(MemoryStore store, InFlightGate gate, RecallQuery query) {
        this.store = store;
        this.gate = gate;
        this.query = query;
        this.scorer = store.options().scorer();
        this.threads = store.options().recallThreads();
        float[] q = query.embedding();
        double squared = 0;
        for (float value : q) {
            squared += (double) value * value;
        }
        double norm = Math.sqrt(squared);
        this.zeroQuery = norm == 0;
        this.unit = new float[q.length];
        this.unitExact = new double[q.length];
        for (int i = 0; i < q.length && !zeroQuery; i++) {
            unitExact[i] = q[i] / norm;
            unit[i] = (float) unitExact[i];
        }
    }

    RecallResult run() {
        int capacity = query.k();
        long scanned = 0;
        int passes = 0;
        while (true) {
            passes++;
            Pass pass = new Pass(capacity);
            Answer answer = pass.run();
            scanned += pass.scanned.get();
            if (answer == null) {
                continue; // a generation switch: start again on the new generation
            }
            if (!answer.incomplete || passes >= MAX_PASSES) {
                return new RecallResult(answer.hits, scanned, passes);
            }
            capacity += answer.lost;
        }
    }

    /**
     * What a pass found: the hits; how many of the parts' candidates it left out as a second version
     * of an id or unreadable; and whether a candidate a part dropped for want of room might belong
     * among the hits (then the pass is scanned again with room for as many more).
     */
    private record Answer(List<RecallHit> hits, int lost, boolean incomplete) {
    }

    /** One scan of one generation, cut into batches that the caller and the workers take in turn. */
    private final class Pass {
        private final int capacity;
        private final AtomicLong cursor = new AtomicLong();
        private final AtomicLong scanned = new AtomicLong();
        /** Set by the part that found the generation switched or failed: the others stop at their next batch. */
        private volatile boolean stop;
        private volatile boolean gaveWay;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private MemoryStore.Active scanning;
        private long batches;

        Pass(int capacity) {
            this.capacity = capacity;
        }

        /** The answer, or null when a generation switch happened: the caller starts again. */
        Answer run() {
            gate.enter();
            try {
                scanning = store.active();
                batches = (scanning.allocator().next() + BATCH_SLOTS - 1) / BATCH_SLOTS;
            } finally {
                gate.exit();
            }
            long slots = batches * BATCH_SLOTS;
            int parts = (int) Math.max(1, Math.min(threads, Math.min(batches, slots / MIN_SLOTS_PER_THREAD)));
            Part[] helpers = new Part[parts - 1];
            CountDownLatch helped = new CountDownLatch(helpers.length);
            for (int i = 0; i < helpers.length; i++) {
                helpers[i] = new Part(helped);
                RecallWorkers.submit(helpers[i]);
            }
            Part own = new Part(null);
            own.run();
            for (Part helper : helpers) {
                if (helper.started.compareAndSet(false, true)) {
                    helped.countDown(); // still queued: there is nothing left for it, it never runs
                }
            }
            awaitUninterruptibly(helped);
            if (failure.get() == null && !gaveWay) {
                scanTail(own);
            }
            Throwable failed = failure.get();
            if (failed instanceof RuntimeException e) {
                throw e;
            }
            if (failed instanceof Error e) {
                throw e;
            }
            if (gaveWay) {
                return null;
            }
            List<Best> found = new ArrayList<>(parts);
            found.add(own.best);
            for (Part helper : helpers) {
                if (helper.best != null) {
                    found.add(helper.best);
                }
            }
            gate.enter();
            try {
                if (store.active() != scanning) {
                    return null;
                }
                return answer(found);
            } finally {
                gate.exit();
            }
        }

        /**
         * The slots claimed since the pass began, past the range the parts scanned: a write that
         * replaces a memory during the scan puts its new version there, after clearing the old
         * one's bit, maybe behind the scan. Scanned by the caller, a few rounds while writes go on.
         */
        private void scanTail(Part own) {
            long covered = batches * BATCH_SLOTS;
            for (int round = 0; round < TAIL_ROUNDS; round++) {
                gate.enter();
                try {
                    if (store.active() != scanning) {
                        gaveWay = true;
                        return;
                    }
                    long next = scanning.allocator().next();
                    if (next <= covered) {
                        return;
                    }
                    long end = (next + BATCH_SLOTS - 1) / BATCH_SLOTS * BATCH_SLOTS;
                    scanned.addAndGet(own.scan(covered, end));
                    covered = end;
                } finally {
                    gate.exit();
                }
            }
        }

        /**
         * The best k of what the parts kept, each id once, read whole; inside the gate, in the
         * scanned generation. Without losses the merge of the parts' best k is the best k. A loss (a
         * second version of an id, or an unreadable memory) frees a place that a candidate some
         * part dropped for want of room might have taken: it might have, when that part's worst
         * kept candidate ranks above the last hit, or there are fewer than k hits.
         */
        private Answer answer(List<Best> found) {
            List<Best.Candidate> candidates = new ArrayList<>();
            for (Best best : found) {
                best.addTo(candidates);
            }
            int lost = 0;
            for (Best best : found) {
                lost += best.unreadable();
            }
            candidates.sort(RANKING);
            List<RecallHit> hits = new ArrayList<>(Math.min(query.k(), candidates.size()));
            Set<String> ids = new HashSet<>();
            Best.Candidate last = null;
            for (Best.Candidate candidate : candidates) {
                if (hits.size() == query.k()) {
                    break;
                }
                if (ids.contains(candidate.id())) {
                    lost++; // its other version, replaced during the scan, ranks better and is kept
                    continue;
                }
                try {
                    hits.add(new RecallHit(scanning.reader().readSlot(candidate.id(), candidate.slot(),
                            query.withEmbedding()), candidate.score()));
                    ids.add(candidate.id());
                    last = candidate;
                } catch (CorruptionException e) {
                    lost++; // counted by the reader; a GET of it fails the same way, the check reports it
                }
            }
            boolean incomplete = false;
            if (lost > 0) {
                for (Best best : found) {
                    Best.Candidate worst = best.worstKept();
                    if (best.dropped > 0 && (last == null || hits.size() < query.k()
                            || (worst != null && RANKING.compare(worst, last) < 0))) {
                        incomplete = true;
                    }
                }
            }
            return new Answer(hits, lost, incomplete);
        }

        private void awaitUninterruptibly(CountDownLatch latch) {
            boolean interrupted = false;
            while (true) {
                try {
                    latch.await();
                    break;
                } catch (InterruptedException e) {
                    // The parts hold slots of this pass in their heaps; wait for them, keep the flag.
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** One thread's share: batches from the cursor until none is left, into its own heap of the best. */
        private final class Part implements Runnable {
            /** Taken by whoever runs this part first: a worker, or the caller taking back a queued part. */
            final AtomicBoolean started = new AtomicBoolean();
            private final CountDownLatch done;
            Best best;

            Part(CountDownLatch done) {
                this.done = done;
            }

            @Override
            public void run() {
                if (done != null && !started.compareAndSet(false, true)) {
                    return;
                }
                try {
                    best = new Best(capacity, scanning.reader());
                    long b;
                    while (!stop && (b = cursor.getAndIncrement()) < batches) {
                        gate.enter();
                        try {
                            if (store.active() != scanning) {
                                gaveWay = true;
                                stop = true;
                                return;
                            }
                            scanned.addAndGet(scan(b * BATCH_SLOTS, b * BATCH_SLOTS + BATCH_SLOTS));
                        } finally {
                            gate.exit();
                        }
                    }
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                    stop = true;
                } finally {
                    if (done != null) {
                        done.countDown();
                    }
                }
            }

            /** Scores the live slots in [from, to) into this part's heap; returns how many it scored. */
            private long scan(long from, long to) {
                LiveSlots live = scanning.live();
                SlotFile slots = scanning.slots();
                int slotSize = slots.slotSize();
                // The chunk of the slot before, so consecutive slots do not look their chunk up again.
                ByteBuffer chunk = null;
                long chunkFirst = 0;
                long chunkEnd = 0;
                long count = 0;
                for (long word = from >>> 6; word < to >>> 6; word++) {
                    long bits = live.word(word);
                    while (bits != 0) {
                        long slot = (word << 6) + Long.numberOfTrailingZeros(bits);
                        bits &= bits - 1;
                        count++;
                        if (slot >= chunkEnd || slot < chunkFirst) {
                            int index = slots.chunkIndexOf(slot);
                            chunk = slots.chunk(index);
                            chunkFirst = slots.firstSlotOf(index);
                            chunkEnd = chunkFirst + slots.slotsIn(index);
                        }
                        int base = (int) (slot - chunkFirst) * slotSize;
                        if (SlotLayout.CONFIDENCE.get(chunk, base) < query.minConfidence()) {
                            continue;
                        }
                        float score = zeroQuery ? 0f : cosine(chunk, base);
                        if (score >= query.minScore()) {
                            best.offer(score, slot);
                        }
                    }
                }
                return count;
            }
        }
    }

    /** The cosine similarity of the query with the slot's embedding, in [-1, 1]. */
    float cosine(ByteBuffer chunk, int base) {
        float norm = SlotLayout.NORM.get(chunk, base);
        if (Float.floatToRawIntBits(norm) == SlotLayout.ZERO_VECTOR_NORM_BITS) {
            return 0f; // stored as a zero vector (or without an embedding): 0 against everything
        }
        if (norm >= MIN_NORM && norm <= MAX_NORM) {
            float score = scorer.dot(unit, chunk, base + SlotLayout.EMBEDDING_OFFSET) / norm;
            if (Float.isFinite(score)) {
                return Math.max(-1f, Math.min(1f, score));
            }
        }
        return exactCosine(chunk, base);
    }

    /** The score in double precision from the slot alone: for norms float cannot carry, and zero vectors. */
    private float exactCosine(ByteBuffer chunk, int base) {
        double dot = 0;
        double squared = 0;
        int at = base + SlotLayout.EMBEDDING_OFFSET;
        for (int i = 0; i < unitExact.length; i++, at += Float.BYTES) {
            double value = chunk.getFloat(at);
            dot += unitExact[i] * value;
            squared += value * value;
        }
        if (squared == 0) {
            return 0f;
        }
        return (float) Math.max(-1, Math.min(1, dot / Math.sqrt(squared)));
    }

    /**
     * The best {@code capacity} (score, slot) pairs offered so far: a binary heap with the worst at
     * its root (lowest score; of equal scores, the larger id). Ids are read only to order equal
     * scores, and kept once read. Entry {@code capacity} is scratch space for a candidate.
     */
    static final class Best {
        record Candidate(float score, long slot, String id) {
        }

        private final int capacity;
        private final MemoryReader reader;
        private final float[] scores;
        private final long[] slots;
        private final String[] ids;
        /** Entries whose record could not be read for their id: they rank below every readable one of their score. */
        private final boolean[] unreadable;
        private int size;
        /** Candidates this heap dropped or refused because it was full: more live memories passed the filters. */
        long dropped;

        Best(int capacity, MemoryReader reader) {
            this.capacity = capacity;
            this.reader = reader;
            this.scores = new float[capacity + 1];
            this.slots = new long[capacity + 1];
            this.ids = new String[capacity + 1];
            this.unreadable = new boolean[capacity + 1];
        }

        void offer(float score, long slot) {
            if (size < capacity) {
                put(size, score, slot, null);
                siftUp(size++);
                return;
            }
            dropped++;
            if (score < scores[0]) {
                return;
            }
            put(capacity, score, slot, null);
            if (!worse(0, capacity)) {
                return;
            }
            boolean bad = unreadable[capacity];
            put(0, score, slot, ids[capacity]);
            unreadable[0] = bad;
            siftDown(0);
        }

        /** Adds what this heap holds to {@code to}, with every id read; entries whose id cannot be read are left out. */
        void addTo(List<Candidate> to) {
            for (int i = 0; i < size; i++) {
                String id = id(i);
                if (!unreadable[i]) {
                    to.add(new Candidate(scores[i], slots[i], id));
                }
            }
        }

        /** Entries held whose record could not be read; after {@link #addTo}. */
        int unreadable() {
            int count = 0;
            for (int i = 0; i < size; i++) {
                count += unreadable[i] ? 1 : 0;
            }
            return count;
        }

        /** The entry that ranks last of those held, or null when none is held. */
        Candidate worstKept() {
            return size == 0 ? null : new Candidate(scores[0], slots[0], id(0));
        }

        private void put(int i, float score, long slot, String id) {
            scores[i] = score;
            slots[i] = slot;
            ids[i] = id;
            unreadable[i] = false;
        }

        /** Whether entry i ranks below entry j. */
        private boolean worse(int i, int j) {
            if (scores[i] != scores[j]) {
                return scores[i] < scores[j];
            }
            String a = id(i);
            String b = id(j);
            if (unreadable[i] || unreadable[j]) {
                return unreadable[i] && (!unreadable[j] || slots[i] > slots[j]);
            }
            return a.compareTo(b) > 0;
        }

        private String id(int i) {
            if (ids[i] == null) {
                try {
                    ids[i] = reader.idOf(slots[i]);
                } catch (CorruptionException e) {
                    ids[i] = "";
                    unreadable[i] = true; // its slot names a record that is not there whole: never answered
                }
            }
            return ids[i];
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!worse(i, parent)) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int left = 2 * i + 1;
                if (left >= size) {
                    return;
                }
                int worst = left + 1 < size && worse(left + 1, left) ? left + 1 : left;
                if (!worse(worst, i)) {
                    return;
                }
                swap(i, worst);
                i = worst;
            }
        }

        private void swap(int i, int j) {
            float score = scores[i];
            long slot = slots[i];
            String id = ids[i];
            boolean bad = unreadable[i];
            put(i, scores[j], slots[j], ids[j]);
            unreadable[i] = unreadable[j];
            put(j, score, slot, id);
            unreadable[j] = bad;
        }
    }
}
