package dev.mcpgateway.config;

/** How the gateway talks to an upstream. */
public enum TransportKind {
    /** Streamable HTTP (2025-03-26 and later): POST, optional SSE responses, optional GET stream. */
    STREAMABLE_HTTP,
    /** The legacy HTTP+SSE transport (2024-11-05): a GET event stream plus a POST endpoint it names. */
    SSE,
    /** A local process speaking newline-delimited JSON-RPC on stdin/stdout. */
    STDIO,
    /** A REST API described by an OpenAPI document: each operation is a tool, each call an HTTP request. */
    OPENAPI
}
