package dev.warmtier;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The whole service on a port the OS picks, started on a data dir and stopped by the caller, as a restart test needs. */
public final class RunningService {

    private RunningService() {
    }

    /** Starts the service on {@code dataDir} with 4-float embeddings, no background check, and {@code args}. */
    public static ConfigurableApplicationContext start(Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of("--server.port=0", "--warmtier.data-dir=" + dataDir,
                "--warmtier.embedding-dimension=4", "--warmtier.check-interval=0"));
        all.addAll(List.of(args));
        return new SpringApplicationBuilder(WarmTierApplication.class)
                .registerShutdownHook(false)
                .run(all.toArray(String[]::new));
    }

    public static TestHttp http(ConfigurableApplicationContext context) {
        return new TestHttp(((WebServerApplicationContext) context).getWebServer().getPort());
    }
}
