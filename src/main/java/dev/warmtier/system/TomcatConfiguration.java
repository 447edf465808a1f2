package dev.warmtier.system;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the embedded Tomcat does before a request reaches Spring. */
@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

    /**
     * Memory ids may hold any Unicode but control characters, '/' and '\\' included. Tomcat rejects
     * an encoded slash ({@code %2F}) or backslash ({@code %5C}) in a path by default; passed
     * through, each stays inside one path segment and Spring decodes it into the {@code id} path
     * variable.
     *
     * <p>{@code 100 Continue} is sent only when the application first reads the body, so a request
     * whose declared length is past the limit gets its 413 instead (see {@link RequestBodyLimitFilter}).
     */
    @Bean
    TomcatConnectorCustomizer requestLineAndBodyHandling() {
        return connector -> {
            connector.setEncodedSolidusHandling("passthrough");
            connector.setEncodedReverseSolidusHandling("passthrough");
            connector.setProperty("continueResponseTiming", "onRead");
        };
    }

    /**
     * Errors Tomcat answers itself, before Spring sees the request (a malformed request line,
     * escape or header, a method it refuses), are problem details too: the host's error report
     * valve is {@link ProblemReportValve}.
     */
    @Bean
    TomcatContextCustomizer problemDetailsFromTheContainer() {
        return context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemReportValve.class.getName());
            }
        };
    }
}
