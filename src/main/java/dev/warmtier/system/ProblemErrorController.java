package dev.warmtier.system;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The container's error page ({@code /error}): where an error raised outside Spring MVC lands (a
 * {@code sendError} from Tomcat, such as its 405 for TRACE, or an exception escaping a filter). It
 * answers the same problem detail as {@link ProblemDetailsAdvice}, whatever the request's Accept
 * header. Asked for directly, {@code /error} is not a resource: 404.
 */
@RestController
@RequestMapping("${server.error.path:${error.path:/error}}")
class ProblemErrorController implements ErrorController {

    @RequestMapping
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 404;
        ProblemDetail problem;
        if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable failure) {
            problem = ProblemDetailsAdvice.problemFor(failure);
            status = problem.getStatus();
        } else {
            problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status),
                    Problems.detailOf(status));
        }
        Problems.complete(problem, status);
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        problem.setInstance(Problems.instance(uri instanceof String original ? original : request.getRequestURI()));
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return ResponseEntity.status(status).headers(headers).body(problem);
    }
}
