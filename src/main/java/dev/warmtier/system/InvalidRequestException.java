package dev.warmtier.system;

import java.util.List;

/** A request that breaks a rule; answered 400 with each bad field named. */
public class InvalidRequestException extends RuntimeException {

    /** One broken rule: which field, and what the rule is. */
    public record FieldError(String field, String message) {
    }

    private final List<FieldError> errors;

    public InvalidRequestException(String field, String rule) {
        this(List.of(new FieldError(field, rule)));
    }

    public InvalidRequestException(List<FieldError> errors) {
        super(describe(errors));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }

    static String describe(List<FieldError> errors) {
        StringBuilder text = new StringBuilder();
        for (FieldError e : errors) {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            text.append(e.field()).append(": ").append(e.message());
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
