package dev.warmtier.support;

import dev.warmtier.WarmTierApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the whole application, without a web server, the way {@code main} does; for startup and shutdown tests. */
public final class WarmTierRuns {

    private WarmTierRuns() {
    }

    /** Runs the application on {@code dataDir} with extra {@code --name=value} arguments; the caller closes it. */
    public static ConfigurableApplicationContext start(Path dataDir, String... args) {
        List<String> all = new ArrayList<>();
        all.add("--warmtier.data-dir=" + dataDir);
        all.addAll(List.of(args));
        return new SpringApplicationBuilder(WarmTierApplication.class)
                .web(WebApplicationType.NONE)
                .registerShutdownHook(false)
                .run(all.toArray(String[]::new));
    }

    /** Every message in a failure's cause chain, one per line, so an assertion shows them all when it fails. */
    public static String messages(Throwable failure) {
        return Stream.iterate(failure, t -> t != null, Throwable::getCause)
                .map(t -> t.getClass().getName() + ": " + t.getMessage())
                .collect(Collectors.joining("\n"));
    }
}
