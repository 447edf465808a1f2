package dev.warmtier.space;

import dev.warmtier.engine.StoreOptions;

/**
 * Adjusts the engine options of every space before its store opens. The service defines none;
 * it exists so a test configuration can wire, for example, a deliberately racy slot allocator
 * into the running service. No property selects one.
 */
@FunctionalInterface
public interface StoreOptionsCustomizer {

    StoreOptions customize(StoreOptions options);
}
