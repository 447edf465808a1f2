package dev.warmtier.system;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Memory ids may hold any Unicode but control characters, '/' and '\\' included. Tomcat rejects an
 * encoded slash ({@code %2F}) or backslash ({@code %5C}) in a path by default, with an HTML page
 * of its own; passed through, each stays inside one path segment and Spring decodes it into the
 * {@code id} path variable.
 */
@Configuration(proxyBeanMethods = false)
class PathEncodingConfiguration {

    @Bean
    TomcatConnectorCustomizer encodedSlashesStayInTheirSegment() {
        return connector -> {
            connector.setEncodedSolidusHandling("passthrough");
            connector.setEncodedReverseSolidusHandling("passthrough");
        };
    }
}
