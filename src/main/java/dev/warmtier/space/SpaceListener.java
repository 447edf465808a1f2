package dev.warmtier.space;

import dev.warmtier.engine.MemoryStore;

/** Told when a space's store opens and just before it closes (a drop or shutdown); see {@link SpaceRegistry#addListener}. */
public interface SpaceListener {

    void opened(String name, MemoryStore store);

    /** Called while the store is still open; the listener must let go of it. */
    void closing(String name);
}
