package dev.warmtier.space;

import dev.warmtier.system.InvalidRequestException;
import dev.warmtier.system.NotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Spaces: list, create, drop. One directory and one engine store per space. */
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

    private final SpaceRegistry registry;

    SpaceController(SpaceRegistry registry) {
        this.registry = registry;
    }

    @GetMapping
    @Operation(summary = "List spaces", description = "Every space, sorted by name; default is always there")
    Spaces list() {
        return new Spaces(registry.names());
    }

    @PutMapping("/{space}")
    @Operation(summary = "Create a space", description = "Names match [a-z0-9_-]{3,64}; 200 if it already exists")
    @ApiResponse(responseCode = "201", description = "created")
    @ApiResponse(responseCode = "200", description = "already existed")
    ResponseEntity<Space> create(@PathVariable String space) {
        checkName(space);
        boolean created = registry.create(space);
        return ResponseEntity.status(created ? HttpStatus.CREATED : HttpStatus.OK).body(new Space(space));
    }

    @DeleteMapping("/{space}")
    @Operation(summary = "Drop a space and its files", description = "The default space cannot be dropped")
    @ApiResponse(responseCode = "204", description = "dropped")
    ResponseEntity<Void> drop(@PathVariable String space) {
        checkName(space);
        if (SpaceRegistry.DEFAULT_SPACE.equals(space)) {
            throw new InvalidRequestException("space", "the default space always exists and cannot be dropped");
        }
        if (!registry.drop(space)) {
            throw new NotFoundException("space '" + space + "' does not exist");
        }
        return ResponseEntity.noContent().build();
    }

    private static void checkName(String space) {
        if (!SpaceRegistry.isValidName(space)) {
            throw new InvalidRequestException("space", "must match [a-z0-9_-]{3,64}, was '" + space + "'");
        }
    }
}
