package dev.warmtier.memory;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Recall: the memories of a space most similar to an embedding. Thin, as the other controllers. */
@RestController
@RequestMapping(path = "/api/v1/spaces/{space}", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "recall", description = "Find the memories most similar to an embedding")
class RecallController {

    private final MemoryService service;

    RecallController(MemoryService service) {
        this.service = service;
    }

    @PostMapping(path = "/recall", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Recall the k memories most similar to an embedding",
            description = "Exact cosine similarity over every live memory of the space, read in place from its files: "
                    + "the k best, best first, equal scores by id, filtered by minConfidence and minScore. Each memory "
                    + "is read whole, as a version that was live at some point during the call. Memories come "
                    + "without their embeddings unless ?embedding=true.")
    @ApiResponse(responseCode = "200", description = "the best k, best first")
    RecallResponse recall(
            @PathVariable @Parameter(example = "default") String space,
            @RequestBody @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    examples = @ExampleObject(value = "{\"embedding\": [0.0, 0.1, 0.2], \"k\": 10, "
                            + "\"minConfidence\": 0.0, \"minScore\": -1.0}"))) RecallRequest request,
            @RequestParam(defaultValue = "false") @Parameter(description = "true adds each memory's embedding")
            boolean embedding) {
        return service.recall(space, request, embedding);
    }
}
