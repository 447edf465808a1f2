package dev.warmtier.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.engine.InsufficientStorageException;
import dev.warmtier.engine.StoreClosedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;

/** What a problem detail may say: bounded, in the API's words, never a file system path. */
class ProblemDetailsAdviceTests {

    @Test
    void aProblemListsAtMostTenFieldsAndCountsTheRest() {
        List<InvalidRequestException.FieldError> errors = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            errors.add(new InvalidRequestException.FieldError("f" + i, "is not a field of this request"));
        }
        ProblemDetail problem = ProblemDetailsAdvice.problemFor(new InvalidRequestException(errors));
        assertThat((List<?>) problem.getProperties().get("errors")).hasSize(InvalidRequestException.MAX_LISTED);
        assertThat(problem.getProperties().get("unlistedErrors")).isEqualTo(100_000 - 10);
        assertThat(problem.getDetail()).endsWith("; and 99990 more").hasSizeLessThan(1000);
    }

    @Test
    void fullDiskAndClosingDetailsNameNoPath() {
        ProblemDetail full = ProblemDetailsAdvice.problemFor(new InsufficientStorageException(
                "no room on the file system to grow /var/lib/warmtier/default/slots.dat to 67108864 bytes", null));
        assertThat(full.getStatus()).isEqualTo(507);
        assertThat(full.getDetail()).doesNotContain("/var").doesNotContain("slots.dat").contains("disk is full");
        ProblemDetail closing = ProblemDetailsAdvice.problemFor(new StoreClosedException(
                "store /var/lib/warmtier/default is closed"));
        assertThat(closing.getStatus()).isEqualTo(503);
        assertThat(closing.getDetail()).doesNotContain("/var");
    }

    @Test
    void aQuotedValueIsCut() {
        assertThat(Problems.quote("x".repeat(10_000))).hasSize(Problems.MAX_QUOTED_CHARS + "... (10000 characters)".length());
        assertThat(Problems.quote("short")).isEqualTo("short");
    }
}
