package dev.mcpgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Bounds of the tool result cache (which results are cached is set per backend: its {@code cache}
 * object). With the Infinispan store, entries live in the cache {@code mcp-results}, bounded by its
 * own {@code memory} settings; these bounds apply to the in-memory store, and the entry size to both.
 */
@ConfigMapping(prefix = "mcp-gateway.result-cache")
public interface ResultCacheConfig {

    /** Most results the in-memory store keeps; the least recently used is evicted first. */
    @WithDefault("10000")
    int maxEntries();

    /** Most bytes (of serialized results) the in-memory store keeps; the least recently used is evicted first. */
    @WithDefault("64M")
    MemorySize maxBytes();

    /** Largest result (serialized) that is cached; a larger one is passed on and not kept. */
    @WithDefault("1M")
    MemorySize maxEntrySize();
}
