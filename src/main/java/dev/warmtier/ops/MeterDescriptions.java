package dev.warmtier.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Gives a description (the {@code # HELP} line of {@code /actuator/prometheus}) to the meters that
 * Spring and Tomcat register without one, so that {@code promtool check metrics} finds nothing to
 * report in the scrape (PrometheusScrapeTests and {@code .ci/run} hold it to that). A meter that
 * already has a description keeps it.
 *
 * <p>The other findings promtool had on the framework's meters are names, which a filter cannot fix
 * without rescaling values; those meters are switched off in {@code application.properties}.
 */
@Component
class MeterDescriptions implements MeterFilter {

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "http.server.requests", "Duration of HTTP server requests, by method, URI template, status and outcome",
            "http.server.requests.active", "HTTP server requests in progress and how long they have been running",
            "tomcat.sessions.active.current", "Tomcat HTTP sessions active now",
            "tomcat.sessions.active.max", "Most Tomcat HTTP sessions active at once",
            "tomcat.sessions.alive.max", "Longest time a Tomcat HTTP session stayed alive",
            "tomcat.sessions.created", "Tomcat HTTP sessions created",
            "tomcat.sessions.expired", "Tomcat HTTP sessions expired",
            "tomcat.sessions.rejected", "Tomcat HTTP sessions rejected because the maximum was reached");

    @Override
    public Meter.Id map(Meter.Id id) {
        String description = DESCRIPTIONS.get(id.getName());
        // Only primary meters are listed; a synthetic one (a percentile gauge) has a name of its own.
        if (description == null || id.getDescription() != null || id.syntheticAssociation() != null) {
            return id;
        }
        return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), description, id.getType());
    }
}
