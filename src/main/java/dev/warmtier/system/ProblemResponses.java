package dev.warmtier.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * Answers a refusal from a servlet filter, before any handler runs, with the problem detail
 * {@link ProblemDetailsAdvice#problemFor} gives that exception everywhere else. It is written
 * here, not by Spring MVC's converters: those decode the request's path once more (to guard
 * against file downloads), and a request refused for its path may not survive that.
 */
final class ProblemResponses {

    private ProblemResponses() {
    }

    static void send(HttpServletRequest request, HttpServletResponse response, RuntimeException refusal)
            throws IOException {
        ProblemDetail problem = ProblemDetailsAdvice.problemFor(refusal);
        problem.setInstance(Problems.instance(request.getRequestURI()));
        Problems.complete(problem, problem.getStatus());
        byte[] body = Problems.json(problem);
        response.resetBuffer();
        response.setStatus(problem.getStatus());
        if (problem.getStatus() == HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
            response.setHeader(HttpHeaders.RETRY_AFTER, ProblemDetailsAdvice.RETRY_AFTER_SECONDS);
        }
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
