package dev.warmtier.engine;

import java.util.Map;

/**
 * A deliberately broken compaction, for tests only: the Rust warm tier's copy, then swap. It copies
 * the live memories and switches to the copies, but hears nothing of the writes made in between (writers
 * do not bring their ids level in it) and does not look before it switches, so every write that landed
 * after an id was copied is dropped. The checks that must catch it: the linearizability run over
 * HTTP with compaction looping ({@code BrokenCompactionTests}).
 */
public final class CopyThenSwapCompactor extends Compactor {

    CopyThenSwapCompactor(MemoryStore store) {
        super(store, Listener.NONE);
    }

    /** {@code options} with this compactor in place of the store's own. */
    public static StoreOptions into(StoreOptions options) {
        return options.withCompactors(CopyThenSwapCompactor::new);
    }

    @Override
    void writerChanged(String id) {
        // Hears nothing of the writes made while it copies.
    }

    @Override
    void verify(Map<String, IndexEntry> copies, long liveCount) {
        // Swaps whatever it copied.
    }
}
