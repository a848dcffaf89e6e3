package dev.mcpgateway.config;

/** Whether tool, prompt and resource names get their backend's name in front. */
public enum PrefixMode {
    /** Always {@code <backend>__<name>}. */
    ALWAYS,
    /**
     * Prefix when the route has more than one backend. Names then stay stable when a backend adds
     * a tool, which a per-name collision rule could not promise.
     */
    CONDITIONAL,
    /** Never; with several backends, names are routed by the last listing. */
    NEVER
}
