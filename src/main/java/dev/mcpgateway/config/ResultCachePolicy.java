package dev.mcpgateway.config;

import java.time.Duration;
import java.util.Set;

/**
 * Which {@code tools/call} results of a backend the gateway keeps, and for how long.
 *
 * @param ttl how long a result is served from the cache
 * @param scope who shares an entry
 * @param tools upstream tool names cached whatever their annotations say (others need
 *        {@code readOnlyHint} and {@code idempotentHint})
 */
public record ResultCachePolicy(Duration ttl, Scope scope, Set<String> tools) {

    /** Who may be served an entry. */
    public enum Scope {
        /** Only the principal whose call filled it. */
        PRINCIPAL,
        /** Every caller allowed to call the tool. */
        SHARED
    }

    public ResultCachePolicy {
        tools = tools == null ? Set.of() : Set.copyOf(tools);
    }
}
