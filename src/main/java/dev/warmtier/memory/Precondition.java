package dev.warmtier.memory;

import dev.warmtier.system.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * The conditional headers of a write: {@code If-Match} (a list of strong ETags, or {@code *}) and
 * {@code If-None-Match: *}. ETags are versions in quotes, {@code "17"}.
 */
record Precondition(boolean matchAny, List<Long> matchVersions, boolean noneMatchAny) {

    static final Precondition NONE = new Precondition(false, null, false);

    boolean isNone() {
        return !matchAny && matchVersions == null && !noneMatchAny;
    }

    /** Whether a memory whose live version is {@code version} (0 when absent) satisfies If-Match. */
    boolean matches(long version) {
        if (version == 0) {
            return false;
        }
        return matchAny || matchVersions.contains(version);
    }

    boolean hasIfMatch() {
        return matchAny || matchVersions != null;
    }

    static Precondition parse(String ifMatch, String ifNoneMatch) {
        boolean noneMatchAny = false;
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.trim().equals("*")) {
                throw new InvalidRequestException("If-None-Match", "only * is supported on writes (store only if absent)");
            }
            noneMatchAny = true;
        }
        if (ifMatch == null) {
            return new Precondition(false, null, noneMatchAny);
        }
        if (noneMatchAny) {
            throw new InvalidRequestException("If-Match", "cannot be combined with If-None-Match");
        }
        if (ifMatch.trim().equals("*")) {
            return new Precondition(true, null, false);
        }
        List<Long> versions = new ArrayList<>();
        for (String tag : ifMatch.split(",")) {
            String t = tag.trim();
            boolean weak = t.startsWith("W/");
            String quoted = weak ? t.substring(2) : t;
            if (quoted.length() < 3 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"') {
                throw new InvalidRequestException("If-Match", "must be * or quoted versions such as \"17\", was " + ifMatch);
            }
            long version;
            try {
                version = Long.parseLong(quoted.substring(1, quoted.length() - 1));
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("If-Match", "must be * or quoted versions such as \"17\", was " + ifMatch);
            }
            if (!weak) {
                // A weak tag is well-formed but never matches under the strong comparison If-Match requires.
                versions.add(version);
            }
        }
        return new Precondition(false, List.copyOf(versions), false);
    }
}
