package dev.warmtier.system;

import dev.warmtier.engine.ContentTooLargeException;
import dev.warmtier.engine.CorruptionException;
import dev.warmtier.engine.InsufficientStorageException;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.space.SpaceUnavailableException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.InvalidFormatException;
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
    private static final String TYPES = "https://warmtier.dev/problems/";
    /** Seconds a client should wait before retrying a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** The problem for an exception the API's own code throws (also used per batch item). */
    public static ProblemDetail problemFor(Throwable e) {
        if (e instanceof InvalidRequestException invalid) {
            return problem(HttpStatus.BAD_REQUEST, "invalid-request", invalid.getMessage(), invalid.errors());
        }
        if (e instanceof ContentTooLargeException tooLarge) {
            InvalidRequestException field = InvalidRequestException.fromEngine(tooLarge);
            return problem(HttpStatus.CONTENT_TOO_LARGE, "content-too-large", field.getMessage(), field.errors());
        }
        if (e instanceof PayloadTooLargeException) {
            return problem(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", e.getMessage(),
                    List.of(new InvalidRequestException.FieldError("body", e.getMessage())));
        }
        if (e instanceof IllegalArgumentException invalid) {
            return problemFor(InvalidRequestException.fromEngine(invalid));
        }
        if (e instanceof NotFoundException) {
            return problem(HttpStatus.NOT_FOUND, "not-found", e.getMessage(), List.of());
        }
        if (e instanceof PreconditionFailedException) {
            return problem(HttpStatus.PRECONDITION_FAILED, "precondition-failed", e.getMessage(), List.of());
        }
        if (e instanceof InsufficientStorageException) {
            return problem(HttpStatus.INSUFFICIENT_STORAGE, "insufficient-storage",
                    "the disk is full; reads keep working, writes resume once there is room: " + e.getMessage(), List.of());
        }
        if (e instanceof SpaceUnavailableException) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", e.getMessage(), List.of());
        }
        if (e instanceof StoreClosedException) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", "the space is closing: " + e.getMessage(),
                    List.of());
        }
        if (e instanceof CorruptionException) {
            log.error("Stored data failed a check on read", e);
            return problem(HttpStatus.INTERNAL_SERVER_ERROR, "corrupted", e.getMessage(), List.of());
        }
        log.error("Unexpected failure", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "an unexpected error occurred", List.of());
    }

    private static ProblemDetail problem(HttpStatus status, String type, String detail,
                                         List<InvalidRequestException.FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPES + type));
        problem.setTitle(status.getReasonPhrase());
        problem.setProperty("errors", errors.stream().map(e -> Map.of("field", e.field(), "message", e.message()))
                .toList());
        return problem;
    }

    @ExceptionHandler({InvalidRequestException.class, PayloadTooLargeException.class, NotFoundException.class,
            PreconditionFailedException.class, IllegalArgumentException.class, InsufficientStorageException.class,
            StoreClosedException.class, CorruptionException.class, SpaceUnavailableException.class})
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

    static RuntimeException describeUnreadable(HttpMessageNotReadableException e) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof PayloadTooLargeException tooLarge) {
            return tooLarge;
        }
        if (cause instanceof UnrecognizedPropertyException unknown) {
            return new InvalidRequestException(path(unknown), "is not a field of this request");
        }
        if (cause instanceof InvalidFormatException format) {
            return new InvalidRequestException(path(format), "has the wrong type or format: " + format.getOriginalMessage());
        }
        if (cause instanceof MismatchedInputException mismatched) {
            String field = path(mismatched);
            return new InvalidRequestException(field, field.equals("body")
                    ? "must be a JSON object" : "has the wrong type: " + mismatched.getOriginalMessage());
        }
        if (cause instanceof StreamConstraintsException limit) {
            return new InvalidRequestException("body", "exceeds a JSON read limit: " + limit.getOriginalMessage());
        }
        if (cause instanceof DatabindException databind) {
            return new InvalidRequestException(path(databind), databind.getOriginalMessage());
        }
        if (cause instanceof StreamReadException malformed) {
            return new InvalidRequestException("body", "is not well-formed JSON in UTF-8: " + malformed.getOriginalMessage());
        }
        return new InvalidRequestException("body", "is missing or not readable as JSON");
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
                "must be a " + (e.getRequiredType() == null ? "valid value" : e.getRequiredType().getSimpleName())
                        + ", was '" + e.getValue() + "'"));
        return handleExceptionInternal(e, problem, headers, HttpStatusCode.valueOf(problem.getStatus()), request);
    }

    /** Every problem gets its instance, and errors even when Spring made it. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
                                                          WebRequest request) {
        if (body instanceof ProblemDetail problem) {
            if (problem.getInstance() == null && request instanceof ServletWebRequest servlet) {
                problem.setInstance(URI.create(servlet.getRequest().getRequestURI()));
            }
            if (problem.getProperties() == null || !problem.getProperties().containsKey("errors")) {
                problem.setProperty("errors", List.of());
            }
            if (problem.getTitle() == null) {
                HttpStatus known = HttpStatus.resolve(status.value());
                problem.setTitle(known == null ? "Error" : known.getReasonPhrase());
            }
        }
        return super.createResponseEntity(body, headers, status, request);
    }

    /** Anything else is a server fault: logged, answered 500 without internals. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> handleUnexpected(Exception e, WebRequest request) throws Exception {
        if (e instanceof org.springframework.web.ErrorResponse) {
            throw e; // Spring's own, with its own status; the handlers above cover them
        }
        ProblemDetail problem = problemFor(e);
        return handleExceptionInternal(e, problem, new HttpHeaders(), HttpStatusCode.valueOf(problem.getStatus()), request);
    }
}
