package dev.warmtier.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warmtier.engine.CompactionRunningException;
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
    void aCompactionWithoutRoomIs507AndARunningOneIs409NamingNoPath() {
        ProblemDetail room = ProblemDetailsAdvice.problemFor(new InsufficientStorageException(
                "compacting /var/lib/warmtier/default needs 4096 bytes free", "the disk lacks room to compact this"
                + " space: it needs 4096 bytes free for a copy of its 1 live memories, and the file system has 0;"
                + " nothing was changed", null));
        assertThat(room.getStatus()).isEqualTo(507);
        assertThat(room.getDetail()).doesNotContain("/var").contains("lacks room to compact").contains("nothing was changed");
        ProblemDetail running = ProblemDetailsAdvice.problemFor(new CompactionRunningException(
                "a compaction of /var/lib/warmtier/default is running already"));
        assertThat(running.getStatus()).isEqualTo(409);
        assertThat(running.getDetail()).doesNotContain("/var").contains("running already");
    }

    @Test
    void aQuotedValueIsCut() {
        assertThat(Problems.quote("x".repeat(10_000))).hasSize(Problems.MAX_QUOTED_CHARS + "... (10000 characters)".length());
        assertThat(Problems.quote("short")).isEqualTo("short");
    }
}
