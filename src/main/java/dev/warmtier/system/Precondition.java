package dev.warmtier.system;

import java.util.HashSet;
import java.util.Set;

/**
 * The conditional headers of a request (RFC 9110, section 13.1): {@code If-Match} and
 * {@code If-None-Match}, each absent, {@code *}, or a list of entity tags. A memory's ETag is its
 * version in quotes, {@code "17"}. If-Match compares strongly (a weak tag {@code W/"17"} never
 * matches); If-None-Match compares weakly. A well-formed tag that is not a version this service
 * gives out matches nothing.
 *
 * <p>Both are evaluated against the version a single engine step reads or writes (0 when the
 * memory is absent). Where the request without its conditions would answer 404 (a GET, PATCH or
 * DELETE of an absent memory), the conditions are not evaluated (RFC 9110, section 13.2.1). A
 * space has no ETag: only {@code *} can match it.
 */
public record Precondition(Tags ifMatch, Tags ifNoneMatch) {

    public static final Precondition NONE = new Precondition(null, null);

    /** One header: {@code *}, or the versions its tags name (strong ones apart, for If-Match). */
    public record Tags(boolean any, Set<Long> strong, Set<Long> all) {
    }

    public boolean isNone() {
        return ifMatch == null && ifNoneMatch == null;
    }

    /** Just {@code If-None-Match: *}: store only if absent, one engine step. */
    public boolean isOnlyIfAbsent() {
        return ifMatch == null && ifNoneMatch != null && ifNoneMatch.any();
    }

    /** Whether If-Match holds for a memory at {@code version} (0: absent). */
    public boolean ifMatchHolds(long version) {
        return ifMatch == null || version != 0 && (ifMatch.any() || ifMatch.strong().contains(version));
    }

    /** Whether If-None-Match holds for a memory at {@code version} (0: absent). */
    public boolean ifNoneMatchHolds(long version) {
        if (ifNoneMatch == null || version == 0) {
            return true;
        }
        return !ifNoneMatch.any() && !ifNoneMatch.all().contains(version);
    }

    public boolean holds(long version) {
        return ifMatchHolds(version) && ifNoneMatchHolds(version);
    }

    /** The request's If-Match and If-None-Match headers. */
    public static Precondition parse(String ifMatch, String ifNoneMatch) {
        return new Precondition(tags("If-Match", ifMatch), tags("If-None-Match", ifNoneMatch));
    }

    /** A batch item's {@code ifMatch} and {@code ifNoneMatch} fields, in the headers' syntax. */
    public static Precondition ofItem(String ifMatch, String ifNoneMatch) {
        return new Precondition(tags("ifMatch", ifMatch), tags("ifNoneMatch", ifNoneMatch));
    }

    private static Tags tags(String header, String value) {
        if (value == null) {
            return null;
        }
        if (value.trim().equals("*")) {
            return new Tags(true, Set.of(), Set.of());
        }
        Set<Long> strong = new HashSet<>();
        Set<Long> all = new HashSet<>();
        for (String tag : value.split(",", -1)) {
            String t = tag.trim();
            boolean weak = t.startsWith("W/");
            String quoted = weak ? t.substring(2) : t;
            if (quoted.length() < 2 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"'
                    || quoted.indexOf('"', 1) != quoted.length() - 1) {
                throw new InvalidRequestException(header, "must be * or a list of quoted entity tags such as \"17\", "
                        + "was '" + Problems.quote(value) + "'");
            }
            Long version = versionOf(quoted.substring(1, quoted.length() - 1));
            if (version != null) {
                all.add(version);
                if (!weak) {
                    strong.add(version);
                }
            }
        }
        return new Tags(false, Set.copyOf(strong), Set.copyOf(all));
    }

    /** The version an opaque tag names, or null for a tag this service never gave out. */
    private static Long versionOf(String opaque) {
        if (opaque.isEmpty() || opaque.length() > 19 || !opaque.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            long version = Long.parseLong(opaque);
            return version > 0 ? version : null;
        } catch (NumberFormatException pastLong) {
            return null;
        }
    }
}
