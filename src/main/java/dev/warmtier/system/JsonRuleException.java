package dev.warmtier.system;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * A JSON value that breaks one of the API's reading rules, raised while the value is read; Jackson
 * adds the field's path on its way out, and {@link ProblemDetailsAdvice} answers 400 with both.
 */
final class JsonRuleException extends MismatchedInputException {

    private static final long serialVersionUID = 1L;
    private final String rule;
    /** The element of an array value that broke the rule, or -1 for the whole value. */
    private final int element;

    JsonRuleException(JsonParser parser, String rule) {
        this(parser, -1, rule);
    }

    JsonRuleException(JsonParser parser, int element, String rule) {
        super(parser, rule);
        this.rule = rule;
        this.element = element;
    }

    String rule() {
        return rule;
    }

    /** The field's path as Jackson collected it, with the element's index when one is to blame. */
    String field(String path) {
        return element < 0 ? path : path + "[" + element + "]";
    }
}
