package dev.warmtier.space;

import dev.warmtier.engine.BackgroundTask;
import dev.warmtier.engine.CompactionReport;
import dev.warmtier.engine.CompactionRunningException;
import dev.warmtier.engine.InsufficientStorageException;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.engine.StoreStats;
import dev.warmtier.system.InvalidRequestException;
import dev.warmtier.system.NotFoundException;
import dev.warmtier.system.WarmTierProperties;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Compaction of spaces: on request ({@code POST /api/v1/spaces/{space}/compact}) and automatically,
 * every {@code warmtier.compaction.interval}, for each space whose data files hold at least
 * {@code warmtier.compaction.min-bytes} and whose dead share is at least
 * {@code warmtier.compaction.dead-share}. A space compacts while it serves; one compaction of a
 * space at a time (a second request is refused with 409, the automatic one skips a space that is
 * compacting); different spaces never wait for each other, though the automatic one does them one
 * after the other.
 *
 * <p>Threads: request threads, and the automatic compaction's own thread.
 */
@Component
public class SpaceCompactions implements InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(SpaceCompactions.class);

    private final SpaceRegistry spaces;
    private final WarmTierProperties.Compaction settings;
    /** The automatic compaction; null when its interval is 0. */
    private BackgroundTask automatic;
    /** Set at shutdown: the round under way stops after the space it is compacting. */
    private volatile boolean stopping;

    public SpaceCompactions(SpaceRegistry spaces, WarmTierProperties properties) {
        this.spaces = spaces;
        this.settings = properties.compaction();
    }

    @Override
    public void afterPropertiesSet() {
        if (settings.interval().isZero()) {
            return;
        }
        automatic = BackgroundTask.start("warmtier-compaction", settings.interval(), this::compactWhereDue,
                failure -> log.error("Automatic compaction failed", failure));
    }

    /**
     * Compacts one space now and answers its report.
     *
     * @throws NotFoundException             when the space does not exist, or was dropped meanwhile
     * @throws CompactionRunningException    when a compaction of the space is running already (409)
     * @throws InsufficientStorageException  when the disk lacks room for the copy (507); nothing changed
     */
    public CompactionReport compact(String space) {
        if (!SpaceRegistry.isValidName(space)) {
            throw new InvalidRequestException("space", "must match [a-z0-9_-]{3,64}, was '" + space + "'");
        }
        if (spaces.isClosing()) {
            throw new StoreClosedException("the service is shutting down");
        }
        MemoryStore store = spaces.get(space).orElseThrow(() -> new NotFoundException("space '" + space + "' does not exist"));
        try {
            CompactionReport report = store.compact();
            log.info("Compacted space {}: {}", space, report);
            return report;
        } catch (StoreClosedException e) {
            if (!spaces.isClosing() && spaces.get(space).isEmpty()) {
                throw new NotFoundException("space '" + space + "' does not exist"); // dropped meanwhile
            }
            throw e;
        }
    }

    /** Whether {@code store} is due for a compaction by the settings. */
    boolean due(MemoryStore store) {
        StoreStats stats = store.stats();
        if (stats.slotsAllocated() == 0 || store.dataFileBytes() < settings.minBytes()) {
            return false;
        }
        double dead = (double) (stats.slotsAllocated() - stats.slotsLive()) / stats.slotsAllocated();
        return dead >= settings.deadShare();
    }

    /** One round of the automatic compaction: each space that is due, one after the other. */
    void compactWhereDue() {
        for (String space : spaces.names()) {
            if (stopping || spaces.isClosing()) {
                return;
            }
            Optional<MemoryStore> store = spaces.get(space);
            if (store.isEmpty() || store.get().compacting() || !due(store.get())) {
                continue;
            }
            try {
                compact(space);
            } catch (CompactionRunningException | NotFoundException e) {
                log.debug("Space {} was not compacted: {}", space, e.getMessage());
            } catch (InsufficientStorageException e) {
                log.warn("Space {} is due for a compaction but the disk lacks room for the copy: {}", space,
                        e.getMessage());
            } catch (StoreClosedException e) {
                return; // shutting down
            } catch (RuntimeException e) {
                // One space that cannot be compacted (damaged data, say) does not starve the others.
                log.error("Compacting space {} failed; its data is unchanged", space, e);
            }
        }
    }

    @Override
    public void destroy() {
        stopping = true;
        if (automatic != null) {
            automatic.close();
        }
    }
}
