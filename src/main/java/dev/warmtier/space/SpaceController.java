package dev.warmtier.space;

import dev.warmtier.engine.CompactionReport;
import dev.warmtier.system.InvalidRequestException;
import dev.warmtier.system.NotFoundException;
import dev.warmtier.system.Precondition;
import dev.warmtier.system.PreconditionFailedException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Spaces: list, create, drop, compact. One directory and one engine store per space. */
@RestController
@RequestMapping(path = "/api/v1/spaces", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "spaces", description = "Memory spaces: each is one directory and one store")
class SpaceController {

    /** The list of spaces. */
    record Spaces(List<String> spaces) {
    }

    /** A space that exists. */
    record Space(String name) {
    }

    /** What a compaction did. */
    record Compaction(long slotsBefore, long slotsAfter, long bytesBefore, long bytesAfter, long tookMillis) {
    }

    /**
     * A space has no versions: for the conditions, an existing space stands at a version no ETag
     * names, so only {@code *} matches it.
     */
    private static final long EXISTS = Long.MIN_VALUE;

    private final SpaceRegistry registry;
    private final SpaceCompactions compactions;

    SpaceController(SpaceRegistry registry, SpaceCompactions compactions) {
        this.registry = registry;
        this.compactions = compactions;
    }

    @GetMapping
    @Operation(summary = "List spaces", description = "Every space, sorted by name; default is always there")
    Spaces list() {
        return new Spaces(registry.names());
    }

    @PutMapping("/{space}")
    @Operation(summary = "Create a space", description = "Names match [a-z0-9_-]{3,64}; 200 if it already exists. "
            + "A space has no ETag: If-None-Match: * creates only if absent (412 otherwise), If-Match: * answers "
            + "only if it exists (412 otherwise), and If-Match with ETags never holds.")
    @ApiResponse(responseCode = "201", description = "created")
    @ApiResponse(responseCode = "200", description = "already existed")
    ResponseEntity<Space> create(@PathVariable String space,
                                 @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
                                 @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        checkName(space);
        Precondition precondition = Precondition.parse(ifMatch, ifNoneMatch);
        if (precondition.ifMatch() != null) {
            // Only an existing space can match, and it is then left as it is.
            if (!precondition.ifMatchHolds(exists(space) ? EXISTS : 0)) {
                throw spaceCondition(space);
            }
            return ResponseEntity.ok(new Space(space));
        }
        boolean created = registry.create(space);
        if (!created && !precondition.ifNoneMatchHolds(EXISTS)) {
            throw spaceCondition(space);
        }
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK).body(new Space(space));
    }

    @DeleteMapping("/{space}")
    @Operation(summary = "Drop a space and its files", description = "The default space cannot be dropped. "
            + "If-None-Match: * or If-Match with ETags never holds for an existing space (412).")
    @ApiResponse(responseCode = "204", description = "dropped")
    ResponseEntity<Void> drop(@PathVariable String space,
                              @RequestHeader(value = HttpHeaders.IF_MATCH, required = false) String ifMatch,
                              @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        checkName(space);
        if (SpaceRegistry.DEFAULT_SPACE.equals(space)) {
            throw new InvalidRequestException("space", "the default space always exists and cannot be dropped");
        }
        Precondition precondition = Precondition.parse(ifMatch, ifNoneMatch);
        if (exists(space) && !precondition.holds(EXISTS)) {
            throw spaceCondition(space);
        }
        if (!registry.drop(space)) {
            throw new NotFoundException("space '" + space + "' does not exist");
        }
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{space}/compact")
    @Operation(summary = "Compact a space", description = "Copies the live memories into new files and switches "
            + "to them, giving back the disk of replaced and deleted memories, while reads and writes go on (they "
            + "wait only for the switch, a short pause). One compaction of a space at a time: a second request "
            + "while one runs answers 409 and the running one goes on. Checks first that the disk has room for "
            + "the copy and answers 507 otherwise, having changed nothing.")
    @ApiResponse(responseCode = "200", description = "compacted; slots and bytes of the data files before and after")
    @ApiResponse(responseCode = "404", description = "no such space")
    @ApiResponse(responseCode = "409", description = "a compaction of this space is running already")
    @ApiResponse(responseCode = "507", description = "the disk lacks room for the copy; nothing changed")
    Compaction compact(@PathVariable String space) {
        CompactionReport report = compactions.compact(space);
        return new Compaction(report.slotsBefore(), report.slotsAfter(), report.bytesBefore(), report.bytesAfter(),
                report.tookMillis());
    }

    /** Whether the space exists, open or not (one that could not open at startup exists, and can be dropped). */
    private boolean exists(String space) {
        return registry.names().contains(space) || registry.unavailable().containsKey(space);
    }

    private static PreconditionFailedException spaceCondition(String space) {
        return new PreconditionFailedException("space '" + space + "': If-Match or If-None-Match does not hold "
                + "(a space has no ETag; only * can match it)");
    }

    private static void checkName(String space) {
        if (!SpaceRegistry.isValidName(space)) {
            throw new InvalidRequestException("space", "must match [a-z0-9_-]{3,64}, was '" + space + "'");
        }
    }
}
