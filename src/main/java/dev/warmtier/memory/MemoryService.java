package dev.warmtier.memory;

import dev.warmtier.engine.DeleteResult;
import dev.warmtier.engine.MemoryRules;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.MemoryWrite;
import dev.warmtier.engine.PutResult;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.engine.StoredMemory;
import dev.warmtier.ops.WarmTierMeters;
import dev.warmtier.space.SpaceRegistry;
import dev.warmtier.system.InvalidRequestException;
import dev.warmtier.system.NotFoundException;
import dev.warmtier.system.PreconditionFailedException;
import dev.warmtier.system.ProblemDetailsAdvice;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * The memory operations of the API over the engine. Each request is one engine operation on one
 * key (a PATCH, or an If-Match listing several versions, is a read followed by one conditional
 * write, retried if another write came between), so each key stays linearizable.
 */
@Service
public class MemoryService {

    static final int MAX_PAGE = 1000;
    static final int MAX_BATCH = 1000;
    private static final Set<String> WRITABLE = Set.of("content", "embedding", "confidence", "activation", "decayRate");
    private static final Set<String> READ_ONLY = Set.of("id", "space", "version", "slot", "createdAt", "updatedAt");

    private final SpaceRegistry spaces;
    private final WarmTierMeters meters;

    public MemoryService(SpaceRegistry spaces, WarmTierMeters meters) {
        this.spaces = spaces;
        this.meters = meters;
    }

    /** A stored memory and whether the write created it (201) or replaced it (200). */
    public record Written(MemoryResource memory, boolean created) {
    }

    public Written put(String space, String id, MemoryBody body, Precondition precondition) {
        MemoryWrite write = toWrite(body);
        return meters.timeStore(space, () -> onStore(space, store -> {
            checkId(id);
            PutResult result;
            if (precondition.noneMatchAny()) {
                result = store.putIfAbsent(id, write);
            } else if (precondition.hasIfMatch()) {
                result = putIfMatches(store, id, precondition, false, current -> write);
            } else {
                result = store.put(id, write);
            }
            if (!result.status().isStored()) {
                throw preconditionFailed(id, result.currentVersion(), precondition);
            }
            return new Written(MemoryResource.of(space, result.memory()), result.status() == PutResult.Status.CREATED);
        }));
    }

    public Written create(String space, MemoryBody body) {
        return put(space, MemoryIds.next(), body, Precondition.parse(null, "*"));
    }

    public MemoryResource get(String space, String id, boolean withEmbedding) {
        return meters.timeGet(space, () -> onStore(space, store -> {
            checkId(id);
            return store.get(id, withEmbedding).map(m -> MemoryResource.of(space, m))
                    .orElseThrow(() -> memoryNotFound(space, id));
        }));
    }

    /** RFC 7396 merge patch of the writable fields, stored as a new version. */
    public MemoryResource patch(String space, String id, JsonNode patch, Precondition precondition) {
        if (patch == null || !patch.isObject()) {
            throw new InvalidRequestException("body", "must be a JSON object (application/merge-patch+json)");
        }
        checkPatchFields(patch);
        return meters.timeStore(space, () -> onStore(space, store -> {
            checkId(id);
            Precondition effective = precondition.hasIfMatch() ? precondition : new Precondition(true, null, false);
            PutResult result = putIfMatches(store, id, effective, true, current -> merge(current, patch));
            if (!result.status().isStored()) {
                if (result.currentVersion() == 0) {
                    throw memoryNotFound(space, id);
                }
                throw preconditionFailed(id, result.currentVersion(), precondition);
            }
            return MemoryResource.of(space, result.memory());
        }));
    }

    public void delete(String space, String id, Precondition precondition) {
        meters.timeDelete(space, () -> onStore(space, store -> {
            checkId(id);
            if (precondition.noneMatchAny()) {
                throw new InvalidRequestException("If-None-Match", "is not supported on DELETE");
            }
            while (true) {
                DeleteResult result;
                if (!precondition.hasIfMatch()) {
                    result = store.delete(id);
                } else {
                    long current = store.version(id);
                    if (current == 0) {
                        throw memoryNotFound(space, id);
                    }
                    if (!precondition.matches(current)) {
                        throw preconditionFailed(id, current, precondition);
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

    public MemoryPage list(String space, int limit, String after) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidRequestException("limit", "must be between 1 and " + MAX_PAGE + ", was " + limit);
        }
        String afterId = after == null ? null : Cursors.idOf(after);
        return onStore(space, store -> {
            List<StoredMemory> page = store.scan(afterId, limit + 1, false);
            boolean more = page.size() > limit;
            List<MemoryResource> items = new ArrayList<>(Math.min(limit, page.size()));
            for (int i = 0; i < Math.min(limit, page.size()); i++) {
                items.add(MemoryResource.of(space, page.get(i)));
            }
            String next = more ? Cursors.of(items.get(items.size() - 1).id()) : null;
            return new MemoryPage(items, next);
        });
    }

    /** Puts each item on its own; one result per item, in order. */
    public BatchResponse batch(String space, BatchRequest request) {
        if (request == null || request.memories() == null || request.memories().isEmpty()
                || request.memories().size() > MAX_BATCH) {
            int size = request == null || request.memories() == null ? 0 : request.memories().size();
            throw new InvalidRequestException("memories", "must hold 1 to " + MAX_BATCH + " items, had " + size);
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
                Written written = put(space, id, item.body(), Precondition.NONE);
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
     * Stores {@code write.apply(current)} only if the live version satisfies If-Match, as one
     * conditional engine write on the version just read; if another write lands between the read
     * and the write, reads again. Only a write built from the current memory ({@code needsCurrent},
     * a PATCH) reads it whole; a PUT reads the version from the index alone.
     */
    private static PutResult putIfMatches(MemoryStore store, String id, Precondition precondition,
                                          boolean needsCurrent, Function<StoredMemory, MemoryWrite> write) {
        while (true) {
            StoredMemory current = needsCurrent ? store.get(id, true).orElse(null) : null;
            long version = needsCurrent ? (current == null ? 0 : current.version()) : store.version(id);
            if (!precondition.matches(version)) {
                return new PutResult(PutResult.Status.PRECONDITION_FAILED, null, version);
            }
            PutResult result = store.putIfVersion(id, version, write.apply(current));
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
            throw e instanceof dev.warmtier.engine.ContentTooLargeException ? e : InvalidRequestException.fromEngine(e);
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

    private static void checkPatchFields(JsonNode patch) {
        List<InvalidRequestException.FieldError> errors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (READ_ONLY.contains(name)) {
                errors.add(new InvalidRequestException.FieldError(name, "is read-only"));
            } else if (!WRITABLE.contains(name)) {
                errors.add(new InvalidRequestException.FieldError(name, "is not a field of a memory"));
            } else if (value.isNull()) {
                continue;
            } else if (name.equals("content") && !value.isString()) {
                errors.add(new InvalidRequestException.FieldError(name, "must be a string or null"));
            } else if (name.equals("embedding") && !isNumberArray(value)) {
                errors.add(new InvalidRequestException.FieldError(name, "must be an array of numbers or null"));
            } else if (!name.equals("content") && !name.equals("embedding") && !value.isNumber()) {
                errors.add(new InvalidRequestException.FieldError(name, "must be a number or null"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }

    private static boolean isNumberArray(JsonNode value) {
        if (!value.isArray()) {
            return false;
        }
        for (JsonNode element : value) {
            if (!element.isNumber()) {
                return false;
            }
        }
        return true;
    }

    /** Applies a checked merge patch: a member replaces the field, null resets it to its default. */
    private static MemoryWrite merge(StoredMemory current, JsonNode patch) {
        String content = current.content();
        float[] embedding = current.embedding();
        float confidence = current.confidence();
        float activation = current.activation();
        float decayRate = current.decayRate();
        if (patch.has("content")) {
            content = patch.get("content").isNull() ? "" : patch.get("content").asString();
        }
        if (patch.has("embedding")) {
            JsonNode values = patch.get("embedding");
            if (values.isNull()) {
                embedding = null;
            } else {
                embedding = new float[values.size()];
                for (int i = 0; i < embedding.length; i++) {
                    embedding[i] = values.get(i).floatValue();
                }
            }
        }
        if (patch.has("confidence")) {
            confidence = floatOr(patch.get("confidence"), MemoryWrite.DEFAULT_CONFIDENCE);
        }
        if (patch.has("activation")) {
            activation = floatOr(patch.get("activation"), MemoryWrite.DEFAULT_ACTIVATION);
        }
        if (patch.has("decayRate")) {
            decayRate = floatOr(patch.get("decayRate"), MemoryWrite.DEFAULT_DECAY_RATE);
        }
        return new MemoryWrite(content, embedding, confidence, activation, decayRate);
    }

    private static float floatOr(JsonNode value, float fallback) {
        return value.isNull() ? fallback : (float) value.doubleValue();
    }

    private static NotFoundException memoryNotFound(String space, String id) {
        return new NotFoundException("memory '" + id + "' does not exist in space '" + space + "'");
    }

    private static PreconditionFailedException preconditionFailed(String id, long current, Precondition precondition) {
        if (precondition.noneMatchAny()) {
            return new PreconditionFailedException("memory '" + id + "' already exists (version " + current
                    + ") and If-None-Match: * asked for it to be absent");
        }
        return new PreconditionFailedException(current == 0
                ? "memory '" + id + "' does not exist, so If-Match cannot hold"
                : "memory '" + id + "' is at version " + current + ", which If-Match does not list");
    }
}
