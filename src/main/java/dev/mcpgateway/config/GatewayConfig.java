package dev.mcpgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Runtime settings of the gateway (the upstream servers come from {@link #configFile()}). */
@ConfigMapping(prefix = "mcp-gateway")
public interface GatewayConfig {

    /** The mcp-servers.json (or MCPRoute YAML) file that lists the upstream servers. */
    Optional<String> configFile();

    /** Idle time after which a session and its upstream sessions end. */
    @WithDefault("30m")
    Duration sessionIdleTimeout();

    /** Largest request body accepted on the MCP endpoint; larger ones get HTTP 413. */
    @WithDefault("4M")
    MemorySize maxBodySize();

    /**
     * Origins allowed to call the MCP endpoint from a browser (DNS-rebinding protection). Requests
     * without an Origin header are not affected. {@code *} allows any origin.
     */
    @WithDefault("http://localhost,http://127.0.0.1,http://[::1],https://localhost,https://127.0.0.1,https://[::1]")
    List<String> allowedOrigins();

    /** Name the gateway gives itself in {@code serverInfo}. */
    @WithDefault("mcp-gateway")
    String serverName();

    /** Upstream connection settings. */
    Upstream upstream();

    interface Upstream {
        /** Time to open a TCP connection to an HTTP upstream. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Pooled upstream connections unused this long are closed. */
        @WithDefault("60s")
        Duration idleConnectionTimeout();

        /** Most pooled HTTP/1.1 connections to one backend. */
        @WithDefault("256")
        int maxConnectionsPerBackend();

        /** Longest wait between restarts of a stdio upstream process that keeps dying. */
        @WithDefault("30s")
        Duration stdioRestartMaxBackoff();
    }
}
