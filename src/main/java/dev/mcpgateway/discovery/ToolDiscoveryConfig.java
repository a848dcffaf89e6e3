package dev.mcpgateway.discovery;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of progressive tool discovery (routes with {@code toolDiscovery: search}). */
@ConfigMapping(prefix = "mcp-gateway.tool-discovery")
public interface ToolDiscoveryConfig {

    /** How many tools {@code search_tools} returns when the call gives no {@code limit}. */
    @WithDefault("5")
    int defaultLimit();

    /** The largest {@code limit} {@code search_tools} accepts; a larger one is lowered to this. */
    @WithDefault("50")
    int maxLimit();

    /**
     * Most tool indexes each replica keeps in memory. Callers who see the same catalogue share one;
     * the least recently used index is dropped first and rebuilt when it is needed again.
     */
    @WithDefault("64")
    int indexCacheSize();

    /**
     * Whether a query also searches for the words the gateway's thesaurus gives for its words
     * ("restart" also finds "reboot", "PR" finds "pull request"), at a lower weight than its own.
     * Turn it off for catalogues not written in English.
     */
    @WithDefault("true")
    boolean thesaurus();
}
