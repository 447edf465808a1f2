package dev.warmtier.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import org.springframework.http.ProblemDetail;

/** One result per batch item, in the order of the request. */
@Schema(name = "BatchResponse")
public record BatchResponse(List<Result> results) {

    /** An item's own outcome: 201 or 200 with the stored memory, or a 4xx/5xx with a problem. */
    @Schema(name = "BatchResult")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String id, int status, MemoryResource memory, ProblemDetail error) {
    }
}
