package dev.warmtier.space;

import dev.warmtier.engine.DimensionMismatchException;
import dev.warmtier.engine.MemoryStore;
import dev.warmtier.engine.RecoveryReport;
import dev.warmtier.engine.StoreClosedException;
import dev.warmtier.engine.StoreDirectory;
import dev.warmtier.engine.StoreLockedException;
import dev.warmtier.engine.StoreOptions;
import dev.warmtier.system.WarmTierProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Owns one open {@link MemoryStore} per memory space, each in {@code <data-dir>/<space>}.
 *
 * <p>The constructor opens the {@code default} space (creating it if missing) and every existing
 * space directory, so a locked data dir, or one made with another embedding dimension, stops
 * startup before the server listens. A space that fails to open for any other reason (damaged or
 * half-made files, no room to map it) does not: it is logged, reported by {@link #unavailable()}
 * (health shows it DOWN), its requests answer 503, and every other space serves.
 *
 * <p>A space is created in a directory whose name is not a space name ({@code <space>.creating})
 * and renamed into place once its files are whole, so a create that fails, or a crash during one,
 * leaves no space behind; startup deletes such leftovers, as it does those of a drop.
 * {@link #close()} closes every store; Spring calls it on context shutdown (after the web server
 * has drained, with graceful shutdown), which leaves each space with its clean-shutdown mark and
 * no held lock.
 */
@Component
public class SpaceRegistry implements AutoCloseable {

    public static final String DEFAULT_SPACE = "default";
    /** Valid space names; they are also directory names, so no dots, slashes or upper case. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9_-]{3,64}");
    /** Suffix of a space directory being dropped; holds a dot, so it can never be a space name. */
    static final String DROPPED_SUFFIX = ".dropped";
    /** Suffix of a space directory being created; holds a dot, so it can never be a space name. */
    static final String CREATING_SUFFIX = ".creating";

    private static final Logger log = LoggerFactory.getLogger(SpaceRegistry.class);

    private final Path dataDir;
    private final StoreOptions options;
    /** Open stores by space name; read without locking, changed only under {@link #lifecycle}. */
    private final Map<String, MemoryStore> stores = new ConcurrentHashMap<>();
    /**
     * Spaces whose directory could not be opened at startup, with why; filled by the constructor,
     * emptied of a space only by its drop (under {@link #lifecycle}); read without locking.
     */
    private final Map<String, String> unavailable = new ConcurrentHashMap<>();
    /** Serializes create, drop and close, so a space is never opened twice or left open after close. */
    private final Object lifecycle = new Object();
    /** Set once by close(); volatile so request threads see a shutdown under way without the lock. */
    private volatile boolean closed;
    /** Told of every space opened and closed; added and notified under {@link #lifecycle}. */
    private final List<SpaceListener> listeners = new CopyOnWriteArrayList<>();

    public SpaceRegistry(WarmTierProperties properties) {
        this(properties, options -> options);
    }

    /** The constructor Spring uses: a test configuration may customize the stores' options. */
    @Autowired
    public SpaceRegistry(WarmTierProperties properties,
                         ObjectProvider<StoreOptionsCustomizer> customizers) {
        this(properties, options -> {
            StoreOptions customized = options;
            for (StoreOptionsCustomizer customizer : customizers.orderedStream().toList()) {
                customized = customizer.customize(customized);
            }
            return customized;
        });
    }

    private SpaceRegistry(WarmTierProperties properties, UnaryOperator<StoreOptions> customize) {
        this.dataDir = properties.dataDir().toAbsolutePath();
        this.options = customize.apply(properties.toStoreOptions());
        try {
            Files.createDirectories(this.dataDir);
            deleteLeftovers(DROPPED_SUFFIX, "an interrupted drop");
            deleteLeftovers(CREATING_SUFFIX, "a create that did not finish");
            openAtStartup(DEFAULT_SPACE);
            for (String name : existingSpaces()) {
                if (!stores.containsKey(name) && !unavailable.containsKey(name)) {
                    openAtStartup(name);
                }
            }
        } catch (RuntimeException e) {
            closeAll(e);
            throw e;
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("cannot prepare data dir " + this.dataDir, e);
            closeAll(failure);
            throw failure;
        }
        log.info("Opened {} space(s) in {}: {}", stores.size(), this.dataDir, names());
        if (!unavailable.isEmpty()) {
            log.error("{} space(s) could not be opened and answer 503 until repaired or dropped: {}",
                    unavailable.size(), new TreeSet<>(unavailable.keySet()));
        }
    }

    /**
     * The store of a space, if the space exists.
     *
     * @throws SpaceUnavailableException when the space exists but could not be opened at startup
     */
    public Optional<MemoryStore> get(String name) {
        if (name == null) {
            return Optional.empty();
        }
        MemoryStore store = stores.get(name);
        if (store == null && unavailable.containsKey(name)) {
            throw new SpaceUnavailableException(name);
        }
        return Optional.ofNullable(store);
    }

    /** Spaces that could not be opened at startup, with why (for logs and health; may name files). */
    public Map<String, String> unavailable() {
        return Map.copyOf(unavailable);
    }

    /** Names of all spaces, sorted. */
    public List<String> names() {
        return List.copyOf(new TreeSet<>(stores.keySet()));
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Tells the listener of every space open now, then of each space opened or closed from now
     * on; both under the lifecycle lock, so no space is missed or reported twice.
     */
    public void addListener(SpaceListener listener) {
        synchronized (lifecycle) {
            for (String name : names()) {
                listener.opened(name, stores.get(name));
            }
            listeners.add(listener);
        }
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Opens the space, creating its directory and files if needed.
     *
     * @return true when the space did not exist before
     * @throws IllegalArgumentException when the name is not a valid space name
     */
    public boolean create(String name) {
        requireValidName(name);
        synchronized (lifecycle) {
            requireOpen();
            if (stores.containsKey(name)) {
                return false;
            }
            if (unavailable.containsKey(name)) {
                throw new SpaceUnavailableException(name);
            }
            createAndOpen(name);
            return true;
        }
    }

    /**
     * Makes the space's files in {@code <name>.creating}, renames the directory into place and
     * opens it; any failure removes what it made, so nothing of the space is left. A directory of
     * that name that is already there (not a space: it has no slot file) is opened in place and
     * left as it was found on failure.
     */
    private void createAndOpen(String name) {
        Path target = dataDir.resolve(name);
        if (Files.exists(target)) {
            open(name);
            return;
        }
        Path staging = dataDir.resolve(name + CREATING_SUFFIX);
        boolean moved = false;
        try {
            deleteTree(staging);
            MemoryStore.open(staging, options).close();
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            StoreDirectory.force(dataDir);
            open(name);
        } catch (RuntimeException | IOException e) {
            RuntimeException failure = e instanceof RuntimeException runtime ? runtime
                    : new UncheckedIOException("cannot create space " + name + " in " + dataDir, (IOException) e);
            try {
                deleteTree(moved ? target : staging);
            } catch (IOException | RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
    }

    /**
     * Closes the space's store and deletes its files. The directory is first renamed to a name
     * that is not a space name, so a crash part-way through never leaves a half-deleted space
     * that the next startup would open.
     *
     * @return true when the space existed
     * @throws IllegalArgumentException when asked to drop the default space
     */
    public boolean drop(String name) {
        if (DEFAULT_SPACE.equals(name)) {
            throw new IllegalArgumentException("space: the default space cannot be dropped");
        }
        synchronized (lifecycle) {
            requireOpen();
            MemoryStore store = name == null ? null : stores.remove(name);
            boolean wasUnavailable = name != null && unavailable.remove(name) != null;
            if (store == null && !wasUnavailable) {
                return false;
            }
            if (store != null) {
                closing(name);
                store.close();
            }
            Path dropped = dataDir.resolve(name + DROPPED_SUFFIX);
            // Clear the interrupt flag for the file work (a FileChannel would refuse to force the
            // directory for an interrupted thread); the caller gets it back after.
            boolean interrupted = Thread.interrupted();
            try {
                deleteTree(dropped);
                Files.move(dataDir.resolve(name), dropped, StandardCopyOption.ATOMIC_MOVE);
                StoreDirectory.force(dataDir); // the rename is durable before any file goes
                deleteTree(dropped);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the files of space " + name + " in " + dataDir, e);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            log.info("Dropped space {}", name);
            return true;
        }
    }

    /** Closes every store: each forces its files, writes its clean-shutdown mark and releases its lock. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException failure = null;
            for (String name : names()) {
                try {
                    closing(name);
                    stores.remove(name).close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
            log.info("Closed all spaces in {}", dataDir);
        }
    }

    /**
     * Opens (or, for the default space, creates) a space at startup. A failure that concerns the
     * whole data dir (another process holds it, another embedding dimension) stops startup; any
     * other leaves just this space unavailable.
     */
    private void openAtStartup(String name) {
        try {
            if (Files.exists(dataDir.resolve(name))) {
                open(name);
            } else {
                createAndOpen(name);
            }
        } catch (StoreLockedException | DimensionMismatchException e) {
            throw e;
        } catch (RuntimeException e) {
            unavailable.put(name, String.valueOf(e.getMessage()));
            log.error("Space {} could not be opened and is unavailable (health DOWN, 503 for its requests) until"
                    + " its files are repaired and the service restarted, or it is dropped: {}", name, e.toString(), e);
        }
    }

    private void open(String name) {
        MemoryStore store = MemoryStore.open(dataDir.resolve(name), options);
        stores.put(name, store);
        RecoveryReport recovery = store.recovery();
        // What recovery threw away is what an operator should hear about (RecoveryReport#discarded).
        if (recovery.discarded() > 0) {
            log.warn("Opened space {} after a crash, discarding torn or invalid data: {}", name, recovery);
        } else if (recovery.versionCeilingRebuilt()) {
            log.warn("Opened space {} with a damaged version-ceiling file, rewritten from the clean-shutdown"
                    + " snapshot: {}", name, recovery);
        } else {
            log.info("Opened space {}: {}", name, recovery);
        }
        for (SpaceListener listener : listeners) {
            try {
                listener.opened(name, store);
            } catch (RuntimeException e) {
                log.error("A space listener failed on the opening of space {}", name, e); // the space stays open
            }
        }
    }

    private void closing(String name) {
        for (SpaceListener listener : listeners) {
            try {
                listener.closing(name);
            } catch (RuntimeException e) {
                log.error("A space listener failed on the closing of space {}", name, e); // the close goes on
            }
        }
    }

    /** Space directories left by an earlier run: valid names holding a store, sorted. */
    private List<String> existingSpaces() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dataDir, Files::isDirectory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isValidName(name) && StoreDirectory.holdsStore(entry)) {
                    names.add(name);
                } else if (!name.endsWith(DROPPED_SUFFIX) && !name.endsWith(CREATING_SUFFIX)) {
                    log.warn("Ignoring {}: not a space directory (name must match {} and hold a store)",
                            entry, NAME.pattern());
                }
            }
        }
        names.sort(Comparator.naturalOrder());
        return names;
    }

    /** Deletes the directories with {@code suffix} that a crash left: drops to finish, creates to undo. */
    private void deleteLeftovers(String suffix, String leftBy) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dataDir, "*" + suffix)) {
            for (Path entry : entries) {
                log.info("Deleting {}, left by {}", entry, leftBy);
                deleteTree(entry);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void requireValidName(String name) {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("space: must match " + NAME.pattern() + ", was '" + name + "'");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new StoreClosedException("the service is shutting down; its spaces are closed");
        }
    }

    /** True once shutdown has begun closing the spaces: requests then answer 503, not 404. */
    public boolean isClosing() {
        return closed;
    }

    /** Closes what the constructor opened before it failed, keeping the first failure as the cause. */
    private void closeAll(RuntimeException failure) {
        for (MemoryStore store : stores.values()) {
            try {
                store.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        stores.clear();
    }
}
