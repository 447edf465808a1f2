package dev.warmtier.engine;

import java.util.concurrent.CountDownLatch;

/**
 * A compactor that stops once its copy is done, for tests that need a compaction to be running:
 * in a store whose directory is named {@code heldSpace}, it counts {@code copied} down and waits for
 * {@code release}; in every other store it is the store's own compactor.
 */
public final class HeldCompactor {

    private HeldCompactor() {
    }

    public static StoreOptions into(StoreOptions options, String heldSpace, CountDownLatch copied,
                                    CountDownLatch release) {
        return options.withCompactors(store -> new Compactor(store, phase -> {
            if (phase == Compactor.Phase.COPIED && store.directory().getFileName().toString().equals(heldSpace)) {
                copied.countDown();
                Latches.await(release);
            }
        }));
    }
}
