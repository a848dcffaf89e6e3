package dev.mcpgateway.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Which {@code tools/call} results of a backend the gateway keeps, and for how long. A tool's result
 * is cached when the upstream annotates the tool {@code readOnlyHint: true} and
 * {@code idempotentHint: true}, or when {@code tools} names it; never when {@code exclude} names it.
 *
 * @param ttl how long a result is served from the cache
 * @param scope who shares an entry
 * @param tools upstream tool names cached whatever their annotations say
 * @param exclude upstream tool names never cached, whatever their annotations say
 * @param toolTtl per upstream tool name, a ttl other than {@code ttl}
 */
public record ResultCachePolicy(Duration ttl, Scope scope, Set<String> tools, Set<String> exclude,
        Map<String, Duration> toolTtl) {

    /** Who may be served an entry. */
    public enum Scope {
        /** Only the principal whose call filled it. */
        PRINCIPAL,
        /** Every caller allowed to call the tool. */
        SHARED
    }

    public ResultCachePolicy {
        tools = tools == null ? Set.of() : Set.copyOf(tools);
        exclude = exclude == null ? Set.of() : Set.copyOf(exclude);
        toolTtl = toolTtl == null ? Map.of() : Map.copyOf(toolTtl);
    }

    /**
     * How long a result of {@code tool} is kept, or null when it is not cached.
     *
     * @param annotated whether the upstream annotated the tool read-only and idempotent
     */
    public Duration ttlFor(String tool, boolean annotated) {
        if (exclude.contains(tool) || !(annotated || tools.contains(tool))) {
            return null;
        }
        return toolTtl.getOrDefault(tool, ttl);
    }

    /** Whether the configuration names the tool, so its annotations need not be known. */
    public boolean named(String tool) {
        return tools.contains(tool) && !exclude.contains(tool);
    }
}
