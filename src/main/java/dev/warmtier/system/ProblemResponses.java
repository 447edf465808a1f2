package dev.warmtier.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Answers a refusal from a servlet filter, before any handler runs, with the same problem detail
 * {@link ProblemDetailsAdvice} gives every other error: the filter hands its exception to MVC's
 * exception resolver.
 */
@Component
public class ProblemResponses {

    /** MVC's resolver; absent without a web server. */
    private final ObjectProvider<HandlerExceptionResolver> resolver;

    ProblemResponses(@Qualifier("handlerExceptionResolver") ObjectProvider<HandlerExceptionResolver> resolver) {
        this.resolver = resolver;
    }

    void send(HttpServletRequest request, HttpServletResponse response, RuntimeException refusal) {
        resolver.getObject().resolveException(request, response, null, refusal);
    }
}
