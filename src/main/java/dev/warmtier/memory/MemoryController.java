package dev.warmtier.memory;

import dev.warmtier.system.Precondition;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import dev.warmtier.system.InvalidRequestException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/** The memory endpoints of the contract. Thin: parsing headers, picking status codes. */
@RestController
@RequestMapping(path = "/api/v1/spaces/{space}/memories", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "memories", description = "Store, read, patch, list and delete memories of a space")
class MemoryController {

    static final String MERGE_PATCH = "application/merge-patch+json";

    private final MemoryService service;

    MemoryController(MemoryService service) {
        this.service = service;
    }

    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Store a memory under an id", description = "201 when created, 200 when replaced. "
            + "If-Match: \"v\" stores only if the current version is v; If-None-Match: * only if absent.")
    @ApiResponse(responseCode = "201", description = "created")
    @ApiResponse(responseCode = "200", description = "replaced")
    ResponseEntity<MemoryResource> put(
            @PathVariable @Parameter(example = "default") String space,
            @PathVariable @Parameter(example = "thread-0-ep-0") String id,
            @RequestBody @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    examples = @ExampleObject(value = "{\"content\": \"Content from thread 0 episode 0\", "
                            + "\"confidence\": 0.7}"))) MemoryBody body,
            @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
            @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        MemoryService.Written written = service.put(space, id, body, Precondition.parse(ifMatch, ifNoneMatch));
        return ResponseEntity.status(written.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .eTag(written.memory().etag())
                .body(written.memory());
    }

    @GetMapping("/{id}")
    @Operation(summary = "Read a memory", description = "?embedding=false leaves the embedding out. "
            + "If-Match that does not hold: 412; If-None-Match that does not hold (the version is listed, or *): 304.")
    @ApiResponse(responseCode = "200", description = "the memory")
    @ApiResponse(responseCode = "304", description = "If-None-Match named the current version (or *)")
    ResponseEntity<MemoryResource> get(@PathVariable String space, @PathVariable String id,
                                       @RequestParam(defaultValue = "true") boolean embedding,
                                       @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
                                       @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false)
                                       String ifNoneMatch) {
        Precondition precondition = Precondition.parse(ifMatch, ifNoneMatch);
        MemoryResource memory = service.get(space, id, embedding, precondition);
        if (!precondition.ifNoneMatchHolds(memory.version())) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(memory.etag()).build();
        }
        return ResponseEntity.ok().eTag(memory.etag()).body(memory);
    }

    @PatchMapping(path = "/{id}", consumes = MERGE_PATCH)
    @Operation(summary = "Change some fields of a memory (RFC 7396 merge patch)",
            description = "content, embedding, confidence, activation, decayRate; null resets a field to its default. "
                    + "Stored as a new version. If-Match as for PUT.")
    ResponseEntity<MemoryResource> patch(@PathVariable String space, @PathVariable String id,
                                         @RequestBody @io.swagger.v3.oas.annotations.parameters.RequestBody(
                                                 content = @Content(mediaType = MERGE_PATCH,
                                                         schema = @Schema(implementation = MemoryPatch.class),
                                                         examples = @ExampleObject(value = "{\"confidence\": 0.9}")))
                                         MergePatch patch,
                                         @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
                                         @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false)
                                         String ifNoneMatch) {
        MemoryResource memory = service.patch(space, id, patch, Precondition.parse(ifMatch, ifNoneMatch));
        return ResponseEntity.ok().eTag(memory.etag()).body(memory);
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Delete a memory", description = "404 if absent; If-Match as for PUT")
    @ApiResponse(responseCode = "204", description = "deleted")
    ResponseEntity<Void> delete(@PathVariable String space, @PathVariable String id,
                                @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
                                @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        service.delete(space, id, Precondition.parse(ifMatch, ifNoneMatch));
        return ResponseEntity.noContent().build();
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Store a memory under an id the service picks",
            description = "The id is a UUIDv7: ids sort in creation order")
    @ApiResponse(responseCode = "201", description = "created; Location names the new memory")
    ResponseEntity<MemoryResource> create(@PathVariable String space, @RequestBody MemoryBody body) {
        MemoryService.Written written = service.create(space, body);
        // Relative (RFC 9110 allows it): never built from the request's Host header.
        URI location = UriComponentsBuilder.fromPath("/api/v1/spaces/{space}/memories/{id}")
                .buildAndExpand(space, written.memory().id()).encode().toUri();
        return ResponseEntity.created(location).eTag(written.memory().etag()).body(written.memory());
    }

    @GetMapping
    @Operation(summary = "List memories in id order, without embeddings",
            description = "Pass the returned next cursor as ?after= for the next page; next is null on the last page")
    MemoryPage list(@PathVariable String space,
                    @RequestParam(defaultValue = "100") @Parameter(description = "1 to 1000") int limit,
                    @RequestParam(required = false) @Parameter(description = "cursor from a previous page") String after) {
        return service.list(space, limit, after);
    }

    @PostMapping(path = "/batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Store up to 1000 memories", description = "One result per item, in order, each with "
            + "its own status (201, 200, or a 4xx with a problem detail). Items are stored independently, each "
            + "with its own ifMatch / ifNoneMatch; If-Match and If-None-Match headers on the batch are refused (400).")
    BatchResponse batch(@PathVariable String space, @RequestBody BatchRequest request,
                        @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
                        @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        if (ifMatch != null || ifNoneMatch != null) {
            throw new InvalidRequestException(ifMatch != null ? HttpHeaders.IF_MATCH : HttpHeaders.IF_NONE_MATCH,
                    "does not apply to a batch; give each item its own ifMatch or ifNoneMatch");
        }
        return service.batch(space, request);
    }
}
