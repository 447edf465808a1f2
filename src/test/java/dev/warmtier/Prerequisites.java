package dev.warmtier;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (a tool, a mounted file system) and may not find. Locally a
 * missing prerequisite skips the test, saying why; under {@code CI=true} it fails the test, so CI
 * cannot pass without running it ({@code .ci/install-tools.sh} and {@code .ci/run} provide all of
 * them there).
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /** Whether this run is CI's: the environment variable {@code CI} is {@code true}. */
    public static boolean underCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips the test (fails it under CI) because {@code problem}. */
    public static void unmet(String problem) {
        if (underCi()) {
            fail("CI=true, so this test must run, but " + problem);
        }
        Assumptions.abort("skipped: " + problem);
    }

    /** Returns when {@code tool} is an executable file; otherwise {@link #unmet} with the hint. */
    public static void requireExecutable(Path tool, String hint) {
        if (!Files.isExecutable(tool)) {
            unmet(tool + " is missing: " + hint);
        }
    }
}
