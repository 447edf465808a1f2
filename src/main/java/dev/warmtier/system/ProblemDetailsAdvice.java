package dev.warmtier.system;

import dev.warmtier.engine.ContentTooLargeException;
import dev.warmtier.engine.CorruptionException;
import dev.warmtier.engine.CompactionRunningException;
import dev.warmtier.engine.InsufficientStorageException;
import dev.warmtier.engine.StoreClosedException;
import java.io.IOException;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonPointer;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The one place that maps an exception to a status: every error the API answers is an RFC 9457
 * problem detail with {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance}
 * and {@code errors} (each bad field and its rule; empty when no field is to blame).
 */
@RestControllerAdvice
public class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);
    /** Seconds a client should wait before retrying a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** The problem for an exception the API's own code throws (also used per batch item). */
    public static ProblemDetail problemFor(Throwable e) {
        if (e instanceof InvalidRequestException invalid) {
            return problem(HttpStatus.BAD_REQUEST, "invalid-request", invalid.getMessage(), invalid);
        }
        if (e instanceof ContentTooLargeException tooLarge) {
            InvalidRequestException field = InvalidRequestException.fromEngine(tooLarge);
            return problem(HttpStatus.CONTENT_TOO_LARGE, "content-too-large", field.getMessage(), field);
        }
        if (e instanceof PayloadTooLargeException) {
            return problem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", e.getMessage(),
                    new InvalidRequestException("body", e.getMessage()));
        }
        if (e instanceof UnsupportedContentException unsupported) {
            return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", e.getMessage(),
                    new InvalidRequestException(unsupported.header(),
                            e.getMessage().substring(unsupported.header().length() + 2)));
        }
        if (e instanceof NotAcceptableException) {
            return problem(HttpStatus.NOT_ACCEPTABLE, "not-acceptable", e.getMessage(),
                    new InvalidRequestException(HttpHeaders.ACCEPT, e.getMessage()));
        }
        if (e instanceof IllegalArgumentException invalid) {
            return problemFor(InvalidRequestException.fromEngine(invalid));
        }
        if (e instanceof IOException) {
            // Raised here only by reading the request: it ended early or its chunks were broken.
            return problemFor(new InvalidRequestException("body", UNREADABLE_BODY));
        }
        if (e instanceof NotFoundException) {
            return problem(HttpStatus.NOT_FOUND, "not-found", e.getMessage(), null);
        }
        if (e instanceof PreconditionFailedException) {
            return problem(HttpStatus.PRECONDITION_FAILED, "precondition-failed", e.getMessage(), null);
        }
        if (e instanceof CompactionRunningException) {
            return problem(HttpStatus.CONFLICT, "compaction-running",
                    "a compaction of this space is running already; it goes on, and this request changed nothing", null);
        }
        if (e instanceof InsufficientStorageException full) {
            // The engine's message names the file, for the log; a client learns no path.
            log.warn("No room on disk: {}", e.getMessage());
            return problem(HttpStatus.INSUFFICIENT_STORAGE, "insufficient-storage", full.clientDetail(), null);
        }
        if (e instanceof UnavailableException) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", e.getMessage(), null);
        }
        if (e instanceof StoreClosedException) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable",
                    "the space is closing or the service is shutting down; retry after the Retry-After delay", null);
        }
        if (e instanceof CorruptionException) {
            log.error("Stored data failed a check on read", e);
            return problem(HttpStatus.INTERNAL_SERVER_ERROR, "corrupted", e.getMessage(), null);
        }
        log.error("Unexpected failure", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "an unexpected error occurred", null);
    }

    private static ProblemDetail problem(HttpStatus status, String type, String detail, InvalidRequestException fields) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(Problems.TYPES + type));
        problem.setTitle(status.getReasonPhrase());
        List<InvalidRequestException.FieldError> errors = fields == null ? List.of() : fields.errors();
        problem.setProperty("errors", errors.stream().map(e -> Map.of("field", e.field(), "message", e.message()))
                .toList());
        if (fields != null && fields.unlisted() > 0) {
            problem.setProperty("unlistedErrors", fields.unlisted());
        }
        return problem;
    }

    @ExceptionHandler({InvalidRequestException.class, PayloadTooLargeException.class, NotFoundException.class,
            PreconditionFailedException.class, IllegalArgumentException.class, InsufficientStorageException.class,
            StoreClosedException.class, CorruptionException.class, UnsupportedContentException.class,
            NotAcceptableException.class, UnavailableException.class, CompactionRunningException.class})
    ResponseEntity<Object> handleApiException(RuntimeException e, WebRequest request) {
        ProblemDetail problem = problemFor(e);
        HttpHeaders headers = new HttpHeaders();
        if (problem.getStatus() == HttpStatus.SERVICE_UNAVAILABLE.value()) {
            headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        return handleExceptionInternal(e, problem, headers, HttpStatusCode.valueOf(problem.getStatus()), request);
    }

    /** Malformed JSON, unknown or mistyped fields, nesting or sizes past the read limits. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = problemFor(describeUnreadable(e));
        return handleExceptionInternal(e, problem, headers, HttpStatusCode.valueOf(problem.getStatus()), request);
    }

    /**
     * What was wrong with an unreadable body, in the API's words: the field and the rule, never
     * Jackson's message (which names Java types and settings).
     */
    static RuntimeException describeUnreadable(HttpMessageNotReadableException e) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof PayloadTooLargeException tooLarge) {
            return tooLarge;
        }
        if (cause instanceof IOException) {
            return new InvalidRequestException("body", UNREADABLE_BODY);
        }
        if (cause instanceof JsonRuleException rule) {
            return new InvalidRequestException(rule.field(path(rule)), rule.rule());
        }
        if (cause instanceof UnrecognizedPropertyException unknown) {
            return new InvalidRequestException(path(unknown), READ_ONLY.contains(unknown.getPropertyName())
                    ? "is read-only (set by the service)" : "is not a field of this request");
        }
        if (cause instanceof StreamConstraintsException limit) {
            return new InvalidRequestException("body", readLimit(limit.getOriginalMessage()));
        }
        if (cause instanceof MismatchedInputException mismatched) {
            String field = path(mismatched);
            return new InvalidRequestException(field, field.equals("body")
                    ? "must be a JSON object" : "must be " + expected(mismatched.getTargetType()));
        }
        if (cause instanceof DatabindException databind) {
            return new InvalidRequestException(path(databind), "has a value this field cannot take");
        }
        if (cause instanceof StreamReadException malformed) {
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(malformed.getOriginalMessage()));
            if (duplicate.find()) {
                return new InvalidRequestException(pathAt(malformed, duplicate.group(1)), "appears twice in one object");
            }
            TokenStreamLocation at = malformed.getLocation();
            return new InvalidRequestException("body", "is not well-formed JSON in UTF-8"
                    + (at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"));
        }
        return new InvalidRequestException("body", "is missing or not readable as JSON");
    }

    /** A body the connection could not deliver: shorter than its Content-Length, or broken chunks. */
    private static final String UNREADABLE_BODY = "could not be read: it ended before the length the request declared, "
            + "or its chunked encoding is broken";

    /** Fields of a memory that the service sets: a body naming one gets a more helpful rule than "unknown". */
    private static final Set<String> READ_ONLY = Set.of("id", "space", "version", "slot", "createdAt", "updatedAt");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:Object property|field) [\"'](.{0,64})[\"']");

    /**
     * Where the parser stood when it failed, in the same notation as a binding error's path
     * ({@code memories[0].content}); {@code name} when the parser cannot say.
     */
    private static String pathAt(StreamReadException e, String name) {
        JsonParser parser = e.processor();
        if (parser == null || parser.streamReadContext() == null) {
            return name;
        }
        StringBuilder path = new StringBuilder();
        for (JsonPointer at = parser.streamReadContext().pathAsPointer(); !at.matches(); at = at.tail()) {
            if (at.mayMatchElement()) {
                path.append('[').append(at.getMatchingIndex()).append(']');
            } else {
                path.append(path.isEmpty() ? "" : ".").append(at.getMatchingProperty());
            }
        }
        return path.isEmpty() ? name : path.toString();
    }

    /** The JSON shape a Java type stands for in the API's documents. */
    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == float[].class || type == double[].class) {
            return "an array of numbers";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "a JSON object";
    }

    /** Which of the read limits a body passed, without naming the parser's settings. */
    private static String readLimit(String message) {
        String text = String.valueOf(message);
        if (text.contains("nesting depth")) {
            return "nests deeper than " + JsonConfiguration.MAX_NESTING_DEPTH + " levels";
        }
        if (text.contains("Token count")) {
            return "holds more JSON values than the largest valid request";
        }
        if (text.contains("Number value length")) {
            return "holds a number with too many digits";
        }
        if (text.contains("Name length")) {
            return "holds a property name that is too long";
        }
        if (text.contains("String value length")) {
            return "holds a string longer than a request can be";
        }
        return "exceeds a JSON read limit";
    }

    private static String path(DatabindException e) {
        StringBuilder path = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    /** A query parameter or path variable of the wrong type: names it. */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers,
                                                        HttpStatusCode status, WebRequest request) {
        String name = e instanceof MethodArgumentTypeMismatchException m ? m.getName() : e.getPropertyName();
        ProblemDetail problem = problemFor(new InvalidRequestException(name == null ? "parameter" : name,
                "must be " + expected(e.getRequiredType()) + ", was '" + Problems.quote(e.getValue()) + "'"));
        return handleExceptionInternal(e, problem, headers, HttpStatusCode.valueOf(problem.getStatus()), request);
    }

    /** No route and no static resource: the same 404 as an unknown space or memory, without Spring's words. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException e, HttpHeaders headers,
                                                                    HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = problemFor(new NotFoundException(Problems.detailOf(404)));
        return handleExceptionInternal(e, problem, headers, status, request);
    }

    /**
     * Every problem gets a type of ours, a title, its instance and its field list, even when Spring
     * made it, and is written as {@code application/problem+json} whatever the Accept header asked.
     */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
                                                          WebRequest request) {
        if (body instanceof ProblemDetail problem) {
            if (problem.getInstance() == null && request instanceof ServletWebRequest servlet) {
                problem.setInstance(Problems.instance(servlet.getRequest().getRequestURI()));
            }
            Problems.complete(problem, status.value());
            HttpHeaders problemHeaders = new HttpHeaders();
            problemHeaders.putAll(headers);
            problemHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
            headers = problemHeaders;
        }
        return super.createResponseEntity(body, headers, status, request);
    }

    /**
     * Boot's health endpoint (4.1.1) fails with an IllegalStateException ("'contributor' must not be
     * null") for a path of several segments whose first names no component or group, such as
     * {@code /actuator/health/l/iveness}, where a single unknown segment gets its 404. It is the same
     * client error, so it gets the same 404 (see {@code MalformedRequestTests}).
     */
    private static boolean isUnknownHealthPath(Exception e, WebRequest request) {
        return e instanceof IllegalStateException && request instanceof ServletWebRequest servlet
                && servlet.getRequest().getRequestURI().startsWith("/actuator/health/")
                && String.valueOf(e.getMessage()).contains("'contributor' must not be null");
    }

    /** Anything else is a server fault: logged, answered 500 without internals. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> handleUnexpected(Exception e, WebRequest request) throws Exception {
        if (e instanceof ErrorResponse) {
            throw e; // Spring's own, with its own status; the handlers above cover them
        }
        if (isUnknownHealthPath(e, request)) {
            ProblemDetail problem = problemFor(new NotFoundException("no health component or group at this path"));
            return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatus.NOT_FOUND, request);
        }
        ProblemDetail problem = problemFor(e);
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatusCode.valueOf(problem.getStatus()), request);
    }
}
