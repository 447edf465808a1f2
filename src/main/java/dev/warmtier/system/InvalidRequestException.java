package dev.warmtier.system;

import java.util.List;

/**
 * A request that breaks a rule; answered 400 with each bad field named. At most
 * {@value #MAX_LISTED} are listed, and the answer says how many more there were, so an error never
 * grows with the request that caused it.
 */
public class InvalidRequestException extends RuntimeException {

    /** The most field errors one answer lists. */
    public static final int MAX_LISTED = 10;

    /** One broken rule: which field, and what the rule is. */
    public record FieldError(String field, String message) {
    }

    private final List<FieldError> errors;
    private final int unlisted;

    public InvalidRequestException(String field, String rule) {
        this(List.of(new FieldError(field, rule)), 0);
    }

    public InvalidRequestException(List<FieldError> errors) {
        this(errors, 0);
    }

    /**
     * The first {@value #MAX_LISTED} of {@code errors}, and a count of those left unlisted (plus
     * {@code alsoUnlisted} that the caller stopped collecting).
     */
    public InvalidRequestException(List<FieldError> errors, int alsoUnlisted) {
        super(describe(errors.subList(0, Math.min(errors.size(), MAX_LISTED)),
                Math.max(0, errors.size() - MAX_LISTED) + alsoUnlisted));
        this.errors = List.copyOf(errors.subList(0, Math.min(errors.size(), MAX_LISTED)));
        this.unlisted = Math.max(0, errors.size() - MAX_LISTED) + alsoUnlisted;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** Field errors found but not listed. */
    public int unlisted() {
        return unlisted;
    }

    private static String describe(List<FieldError> errors, int unlisted) {
        StringBuilder text = new StringBuilder();
        for (FieldError e : errors) {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            text.append(e.field()).append(": ").append(e.message());
        }
        if (unlisted > 0) {
            text.append("; and ").append(unlisted).append(" more");
        }
        return text.toString();
    }

    /**
     * The engine's rule violations say {@code "field: rule"}; this keeps the field apart.
     */
    public static InvalidRequestException fromEngine(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int colon = message.indexOf(": ");
        if (colon > 0 && colon < 40 && !message.substring(0, colon).contains(" ")) {
            return new InvalidRequestException(message.substring(0, colon), message.substring(colon + 2));
        }
        return new InvalidRequestException("request", message);
    }
}
