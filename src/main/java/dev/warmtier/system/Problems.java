package dev.warmtier.system;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * The vocabulary of every problem detail this service answers: the {@code type} URI of a status,
 * the shape written where Spring's converters are not at hand (the container's error valve), and
 * how a client's own value is quoted back in a {@code detail}.
 */
public final class Problems {

    static final String TYPES = "https://warmtier.dev/problems/";
    /** The longest piece of a client's value quoted back in a detail. */
    static final int MAX_QUOTED_CHARS = 64;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {
    }

    /** The type of a problem for which no more specific one exists: the status's reason phrase as a slug. */
    static URI typeOf(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        String reason = known == null ? "error" : known.getReasonPhrase();
        return URI.create(TYPES + reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"));
    }

    static String titleOf(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }

    /**
     * A client's value as a detail quotes it: at most {@value #MAX_QUOTED_CHARS} characters, so an
     * answer never grows with what was sent.
     */
    public static String quote(Object value) {
        String text = String.valueOf(value);
        if (text.length() <= MAX_QUOTED_CHARS) {
            return text;
        }
        return text.substring(0, MAX_QUOTED_CHARS) + "... (" + text.length() + " characters)";
    }

    /** The instance of a problem about a request whose path could not be read at all. */
    static final URI UNREADABLE_PATH = URI.create("about:blank");

    /**
     * The {@code instance} of a problem: the request's path, as sent (raw or decoded), as a URI
     * reference; characters a URI cannot hold are escaped, and a path past
     * {@value #MAX_QUOTED_CHARS} characters is cut. {@link #UNREADABLE_PATH} where there is none.
     */
    static URI instance(String path) {
        if (path == null || path.isEmpty()) {
            return UNREADABLE_PATH;
        }
        String cut = path.length() <= MAX_QUOTED_CHARS * 4 ? path : path.substring(0, MAX_QUOTED_CHARS * 4);
        try {
            return URI.create(cut);
        } catch (IllegalArgumentException notAUri) {
            try {
                return new URI(null, null, cut, null, null);
            } catch (URISyntaxException unrepresentable) {
                return UNREADABLE_PATH;
            }
        }
    }

    /** The JSON of a problem with no field errors, for writers outside Spring MVC. */
    static byte[] json(int status, String detail, URI instance) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), detail);
        problem.setInstance(instance);
        complete(problem, status);
        return json(problem);
    }

    /** The JSON of a problem, in the shape Spring MVC writes it, for writers outside Spring MVC. */
    static byte[] json(ProblemDetail problem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", String.valueOf(problem.getType()));
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        body.put("instance", problem.getInstance() == null ? null : problem.getInstance().toString());
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        return JSON.writeValueAsBytes(body);
    }

    /** The detail of a status for which no more is known than the status itself. */
    static String detailOf(int status) {
        return switch (status) {
            case 400 -> "the request is malformed: its request line, path escapes or headers cannot be read";
            case 404 -> "nothing exists at this path";
            case 405 -> "this method is not allowed on this path";
            case 413 -> "the request is too large";
            case 414 -> "the request URI is too long";
            case 431 -> "the request's header fields are too large or too many";
            case 501 -> "this method is not implemented";
            case 505 -> "this HTTP version is not supported";
            default -> status >= 500 ? "an unexpected error occurred" : titleOf(status).toLowerCase(Locale.ROOT);
        };
    }

    /** Fills what Spring's own problems leave out: a type of ours, a title, and an empty field list. */
    static void complete(ProblemDetail problem, int status) {
        if (problem.getType() == null || "about:blank".equals(problem.getType().toString())) {
            problem.setType(typeOf(status));
        }
        if (problem.getTitle() == null) {
            problem.setTitle(titleOf(status));
        }
        if (problem.getProperties() == null || !problem.getProperties().containsKey("errors")) {
            problem.setProperty("errors", List.of());
        }
    }
}
