package dev.warmtier.memory;

import dev.warmtier.engine.ContentTooLargeException;
import dev.warmtier.engine.DeleteResult;
import dev.warmtier.engine.MemoryRules;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.PutResult;
import dev.warmtier.engine.RecallHit;
import dev.warmtier.engine.RecallQuery;
import dev.warmtier.engine.VectorScorer;
import dev.warmtier.engine.VectorScorers;
import dev.warmtier.engine.ScanPage;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.engine.StoredMemory;
import dev.warmtier.ops.WarmTierMeters;
import dev.warmtier.space.SpaceRegistry;
import dev.warmtier.system.WarmTierProperties;
import dev.warmtier.system.InvalidRequestException;
import dev.warmtier.system.NotFoundException;
import dev.warmtier.system.Precondition;
import dev.warmtier.system.PreconditionFailedException;
import dev.warmtier.system.ProblemDetailsAdvice;
import dev.warmtier.system.RequestLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The memory operations of the API over the engine. Each request is one engine operation on one
 * key (a PATCH, or a precondition other than If-None-Match: *, is a read followed by one
 * conditional write on the version read, retried if another write came between), so each key
 * stays linearizable.
 */
@Service
public class MemoryService {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryService.class);

    private final SpaceRegistry spaces;
    private final WarmTierMeters meters;
    private final long maxPageBytes;
    private final int dimension;

    public MemoryService(SpaceRegistry spaces, WarmTierMeters meters, WarmTierProperties properties) {
        this.spaces = spaces;
        this.meters = meters;
        this.maxPageBytes = properties.maxPageBytes();
        this.dimension = properties.embeddingDimension();
        VectorScorer loop = VectorScorers.best();
        if (loop == VectorScorers.scalar()) {
            LOG.warn("Recall scans with the scalar loop, at about half the memory bandwidth: start the JVM with "
                    + "--add-modules jdk.incubator.vector for the Vector API loop");
        } else {
            LOG.info("Recall scans with the {} loop", loop.name());
        }
    }

    /** A stored memory and whether the write created it (201) or replaced it (200). */
    public record Written(MemoryResource memory, boolean created) {
    }

    public Written put(String space, String id, MemoryBody body, Precondition precondition) {
        MemoryWrite write = toWrite(body);
        return meters.timeStore(space, () -> onStore(space, store -> {
            checkId(id);
            PutResult result;
            if (precondition.isNone()) {
                result = store.put(id, write);
            } else if (precondition.isOnlyIfAbsent()) {
                result = store.putIfAbsent(id, write);
            } else {
                result = putIfHolds(store, id, precondition, false, current -> write);
            }
            if (!result.status().isStored()) {
                throw preconditionFailed(id, result.currentVersion());
            }
            return new Written(MemoryResource.of(space, result.memory()), result.status() == PutResult.Status.CREATED);
        }));
    }

    public Written create(String space, MemoryBody body) {
        return put(space, MemoryIds.next(), body, Precondition.parse(null, "*"));
    }

    /**
     * The memory as one read sees it. A failing If-Match answers 412; a failing If-None-Match is
     * for the caller to answer 304, with the memory's ETag.
     */
    public MemoryResource get(String space, String id, boolean withEmbedding, Precondition precondition) {
        return meters.timeGet(space, () -> onStore(space, store -> {
            checkId(id);
            MemoryResource memory = store.get(id, withEmbedding).map(m -> MemoryResource.of(space, m))
                    .orElseThrow(() -> memoryNotFound(space, id));
            if (!precondition.ifMatchHolds(memory.version())) {
                throw preconditionFailed(id, memory.version());
            }
            return memory;
        }));
    }

    /**
     * RFC 7396 merge patch of the writable fields, stored as a new version. The empty patch
     * {@code {}} changes nothing: it answers the memory as it is, version unchanged.
     */
    public MemoryResource patch(String space, String id, MergePatch patch, Precondition precondition) {
        if (patch == null) {
            throw new InvalidRequestException("body", "must be a JSON object (application/merge-patch+json)");
        }
        return meters.timeStore(space, () -> onStore(space, store -> {
            checkId(id);
            if (patch.isEmpty()) {
                StoredMemory current = store.get(id, true).orElseThrow(() -> memoryNotFound(space, id));
                if (!precondition.holds(current.version())) {
                    throw preconditionFailed(id, current.version());
                }
                return MemoryResource.of(space, current);
            }
            PutResult result = putIfHolds(store, id, precondition, true, patch::applyTo);
            if (!result.status().isStored()) {
                if (result.currentVersion() == 0) {
                    throw memoryNotFound(space, id);
                }
                throw preconditionFailed(id, result.currentVersion());
            }
            return MemoryResource.of(space, result.memory());
        }));
    }

    public void delete(String space, String id, Precondition precondition) {
        meters.timeDelete(space, () -> onStore(space, store -> {
            checkId(id);
            while (true) {
                DeleteResult result;
                if (precondition.isNone()) {
                    result = store.delete(id);
                } else {
                    long current = store.version(id);
                    if (current == 0) {
                        throw memoryNotFound(space, id);
                    }
                    if (!precondition.holds(current)) {
                        throw preconditionFailed(id, current);
                    }
                    result = store.deleteIfVersion(id, current);
                    if (result.status() == DeleteResult.Status.PRECONDITION_FAILED) {
                        continue; // another write came between; look again
                    }
                }
                if (result.status() == DeleteResult.Status.NOT_FOUND) {
                    throw memoryNotFound(space, id);
                }
                return null;
            }
        }));
    }

    /** A page in id order: at most {@code limit} memories and {@code warmtier.max-page-bytes} of content records. */
    public MemoryPage list(String space, int limit, String after) {
        if (limit < 1 || limit > RequestLimits.MAX_PAGE_ITEMS) {
            throw new InvalidRequestException("limit", "must be between 1 and " + RequestLimits.MAX_PAGE_ITEMS
                    + ", was " + limit);
        }
        String afterId = after == null ? null : Cursors.idOf(after);
        return onStore(space, store -> {
            ScanPage page = store.scan(afterId, limit, maxPageBytes, false);
            List<MemoryResource> items = new ArrayList<>(page.memories().size());
            for (StoredMemory memory : page.memories()) {
                items.add(MemoryResource.of(space, memory));
            }
            String next = page.more() ? Cursors.of(items.get(items.size() - 1).id()) : null;
            return new MemoryPage(items, next);
        });
    }

    /**
     * The {@code k} live memories most similar to the request's embedding, best first; see
     * {@link MemoryStore#recall}. Timed under {@code warmtier.recall}.
     */
    public RecallResponse recall(String space, RecallRequest request, boolean withEmbedding) {
        if (request == null) {
            throw new InvalidRequestException("body", "must be a JSON object with at least embedding");
        }
        if (request.embedding() == null) {
            throw new InvalidRequestException("embedding", "is required: the query, exactly "
                    + dimension + " finite floats");
        }
        return meters.timeRecall(space, () -> onStore(space, store -> {
            RecallQuery query = new RecallQuery(request.embedding(),
                    request.k() == null ? RecallQuery.DEFAULT_K : request.k(),
                    request.minConfidence() == null ? 0f : request.minConfidence(),
                    request.minScore() == null ? -1f : request.minScore(), withEmbedding);
            List<RecallResponse.Result> results = new ArrayList<>();
            for (RecallHit hit : store.recall(query).hits()) {
                results.add(new RecallResponse.Result(hit.memory().id(), hit.score(),
                        MemoryResource.of(space, hit.memory())));
            }
            return new RecallResponse(results);
        }));
    }

    /** Puts each item on its own, with its own preconditions; one result per item, in order. */
    public BatchResponse batch(String space, BatchRequest request) {
        if (request == null || request.memories() == null || request.memories().isEmpty()
                || request.memories().size() > RequestLimits.MAX_BATCH_ITEMS) {
            int size = request == null || request.memories() == null ? 0 : request.memories().size();
            throw new InvalidRequestException("memories", "must hold 1 to " + RequestLimits.MAX_BATCH_ITEMS
                    + " items, had " + size);
        }
        store(space);
        return meters.timeBatch(space, () -> storeEach(space, request));
    }

    private BatchResponse storeEach(String space, BatchRequest request) {
        List<BatchResponse.Result> results = new ArrayList<>(request.memories().size());
        for (int i = 0; i < request.memories().size(); i++) {
            BatchRequest.BatchItem item = request.memories().get(i);
            String id = item == null ? null : item.id();
            try {
                if (item == null) {
                    throw new InvalidRequestException("memories[" + i + "]", "must be an object");
                }
                Written written = put(space, id, item.body(), item.precondition());
                results.add(new BatchResponse.Result(id, written.created() ? 201 : 200, written.memory(), null));
            } catch (RuntimeException e) {
                var problem = ProblemDetailsAdvice.problemFor(e);
                results.add(new BatchResponse.Result(id, problem.getStatus(), null, problem));
            }
        }
        return new BatchResponse(results);
    }

    // ---- helpers ---------------------------------------------------------------------------

    /**
     * Stores {@code write.apply(current)} only if the precondition holds for the live version, as
     * one conditional engine write on the version just read; if another write lands between the
     * read and the write, reads again. Only a write built from the current memory
     * ({@code needsCurrent}, a PATCH) reads it whole, and needs it to exist; a PUT reads the
     * version from the index alone.
     */
    private static PutResult putIfHolds(MemoryStore store, String id, Precondition precondition,
                                        boolean needsCurrent, Function<StoredMemory, MemoryWrite> write) {
        while (true) {
            StoredMemory current = needsCurrent ? store.get(id, true).orElse(null) : null;
            long version = needsCurrent ? (current == null ? 0 : current.version()) : store.version(id);
            if ((needsCurrent && current == null) || !precondition.holds(version)) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, version);
            }
            PutResult result = version == 0 ? store.putIfAbsent(id, write.apply(null))
                    : store.putIfVersion(id, version, write.apply(current));
            if (result.status().isStored()) {
                return result;
            }
        }
    }

    private MemoryStore store(String space) {
        if (!SpaceRegistry.isValidName(space)) {
            throw new InvalidRequestException("space", "must match [a-z0-9_-]{3,64}, was '" + space + "'");
        }
        if (spaces.isClosing()) {
            throw new StoreClosedException("the service is shutting down");
        }
        return spaces.get(space).orElseThrow(() -> new NotFoundException("space '" + space + "' does not exist"));
    }

    /** Runs one operation on a space's store; a store closed under it by a drop answers 404. */
    private <T> T onStore(String space, Function<MemoryStore, T> operation) {
        MemoryStore store = store(space);
        try {
            return operation.apply(store);
        } catch (StoreClosedException e) {
            if (!spaces.isClosing() && spaces.get(space).isEmpty()) {
                throw new NotFoundException("space '" + space + "' does not exist"); // dropped under us
            }
            throw e; // shutting down: 503 with Retry-After
        } catch (IllegalArgumentException e) {
            throw e instanceof ContentTooLargeException ? e : InvalidRequestException.fromEngine(e);
        }
    }

    private static void checkId(String id) {
        try {
            MemoryRules.idBytes(id);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.fromEngine(e);
        }
    }

    private static MemoryWrite toWrite(MemoryBody body) {
        if (body == null) {
            throw new InvalidRequestException("body", "must be a JSON object with at least content");
        }
        if (body.content() == null) {
            throw new InvalidRequestException("content", "is required (it may be empty)");
        }
        return new MemoryWrite(body.content(), body.embedding(),
                orDefault(body.confidence(), MemoryWrite.DEFAULT_CONFIDENCE),
                orDefault(body.activation(), MemoryWrite.DEFAULT_ACTIVATION),
                orDefault(body.decayRate(), MemoryWrite.DEFAULT_DECAY_RATE));
    }

    private static float orDefault(Float value, float fallback) {
        return value == null ? fallback : value;
    }

    private static NotFoundException memoryNotFound(String space, String id) {
        return new NotFoundException("memory '" + id + "' does not exist in space '" + space + "'");
    }

    private static PreconditionFailedException preconditionFailed(String id, long current) {
        return new PreconditionFailedException(current == 0
                ? "memory '" + id + "' does not exist, so If-Match cannot hold"
                : "memory '" + id + "' is at version " + current + ", for which If-Match or If-None-Match does not hold");
    }
}
