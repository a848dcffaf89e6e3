package dev.mcpgateway.config;

/** How a route presents its tools to clients. */
public enum ToolDiscovery {
    /** {@code tools/list} returns the merged catalogue. */
    LIST,
    /** {@code tools/list} returns the gateway's search, describe and call tools instead. */
    SEARCH
}
