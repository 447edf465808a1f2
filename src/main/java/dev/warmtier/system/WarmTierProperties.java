package dev.warmtier.system;

import dev.warmtier.engine.Durability;
import dev.warmtier.engine.StoreOptions;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code warmtier.*} settings (see the configuration table in the README). Bound and
 * validated at startup, so a bad value stops the service with a message naming the property
 * before any file is touched. The limits mirror what {@link StoreOptions} accepts.
 *
 * @param dataDir            directory holding one sub-directory per memory space
 * @param embeddingDimension floats per embedding; fixed for the life of a data dir
 * @param durability         what an acknowledged write survives
 * @param syncInterval       flush period for {@link Durability#INTERVAL}
 * @param maxContentBytes    largest content, in UTF-8 bytes, of one memory
 * @param maxRequestBytes    largest request body the API reads (a batch is bounded by it); 413 past it
 * @param checkInterval      period of the background invariant check of every space; 0 turns it off
 * @param checkCpuShare      most of one core's time the background check may take while it runs, in (0, 1];
 *                           a large space is then checked over a longer time instead of at full speed
 * @param maxPageBytes       most content-record bytes one page of a listing holds (at least one memory);
 *                           the page's next cursor goes on from there
 * @param compaction         when spaces are compacted without being asked
 */
@ConfigurationProperties("warmtier")
@Validated
public record WarmTierProperties(
        @DefaultValue("data") @NotNull Path dataDir,
        @DefaultValue("768") @Min(1) @Max(65_536) int embeddingDimension,
        @DefaultValue("interval") @NotNull Durability durability,
        @DefaultValue("100ms") @NotNull @DurationMin(nanos = 1, message = "must be positive") Duration syncInterval,
        @DefaultValue("1048576") @Min(0) @Max(268_435_456) int maxContentBytes,
        @DefaultValue("33554432") @Min(1024) long maxRequestBytes,
        @DefaultValue("60s") @NotNull @DurationMin(nanos = 0, message = "must be 0 (off) or positive") Duration checkInterval,
        @DefaultValue("0.1") @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") double checkCpuShare,
        @DefaultValue("1048576") @Min(1024) long maxPageBytes,
        @DefaultValue @NotNull @Valid Compaction compaction) {

    /**
     * The automatic compaction: every {@code interval}, each space whose data files hold at least
     * {@code minBytes} and whose dead share (allocated slots holding no live memory) is at least
     * {@code deadShare} is compacted, one space at a time.
     *
     * @param interval  how often spaces are looked at; 0 turns the automatic compaction off
     * @param deadShare the dead share, in (0, 1], from which a space is compacted
     * @param minBytes  the size of a space's data files below which it is left alone
     */
    public record Compaction(
            @DefaultValue("60s") @NotNull @DurationMin(nanos = 0, message = "must be 0 (off) or positive") Duration interval,
            @DefaultValue("0.5") @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") double deadShare,
            @DefaultValue("67108864") @Min(0) long minBytes) {

        /** The defaults: every minute, half dead, 64 MiB. */
        public static Compaction defaults() {
            return new Compaction(Duration.ofSeconds(60), 0.5, 64L << 20);
        }
    }

    /** The constructor Spring binds (a record with a second constructor must say which). */
    @ConstructorBinding
    public WarmTierProperties {
    }

    /** The settings with the default request-body limit (32 MiB), check and page bound (1 MiB). */
    public WarmTierProperties(Path dataDir, int embeddingDimension, Durability durability, Duration syncInterval,
                              int maxContentBytes) {
        this(dataDir, embeddingDimension, durability, syncInterval, maxContentBytes, 32L << 20, Duration.ofSeconds(60),
                0.1, 1L << 20, Compaction.defaults());
    }

    /**
     * The engine settings for every space's store. A slot chunk keeps the engine's default size in
     * bytes whatever the dimension; the file header records it, so reopening always uses what the
     * files were made with.
     */
    public StoreOptions toStoreOptions() {
        return StoreOptions.defaults()
                .withEmbeddingDimension(embeddingDimension)
                .withDurability(durability, syncInterval)
                .withMaxContentBytes(maxContentBytes);
    }
}
