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

    /** Where sessions and event logs live: memory (one process) or infinispan (a cluster of replicas). */
    @WithDefault("memory")
    StoreKind store();

    /** The choices for {@link #store()}. */
    enum StoreKind {
        MEMORY,
        INFINISPAN
    }

    /** Most events kept per SSE stream for resumption; older ones are dropped first. */
    @WithDefault("1000")
    int maxEventsPerStream();

    /**
     * How often the configuration file is checked for changes (hot reload); 0 turns reloading off.
     * A changed file that does not validate is refused with a logged error, and the last good
     * configuration stays in force.
     */
    @WithDefault("2s")
    Duration configReloadInterval();

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

    /**
     * Secret that signs the ids of server-to-client requests so a client cannot forge a route.
     * Every replica of a cluster needs the same value; when unset, each process picks a random one.
     */
    Optional<String> signingKey();

    /**
     * A request still unanswered after this long is answered on an event stream instead of plain
     * JSON, so the client can resume it if the connection drops. Anything the upstream sends
     * before the response switches at once.
     */
    @WithDefault("1s")
    Duration streamAfter();

    /**
     * Freshness hint ({@code ttlMs}) on merged lists sent to 2026-07-28 clients when not every
     * backend gave one; a backend's shorter hint wins.
     */
    @WithDefault("10s")
    Duration cacheTtl();

    /** Reconnection delay suggested to clients in the SSE {@code retry} field (2025-11-25 and later). */
    @WithDefault("1s")
    Duration sseRetry();

    /**
     * How long a replica's claim to pump a session's upstream streams lasts without renewal; when
     * the replica dies, another one takes over after at most this long.
     */
    @WithDefault("6s")
    Duration streamLease();

    /**
     * When set, every MCP response carries it in a {@code Mcp-Gateway-Replica} header, so an
     * operator can tell which replica behind a load balancer answered.
     */
    Optional<String> replicaName();

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

    /** Security settings shared by every route (the per-route ones live in the route's {@code auth}). */
    Auth auth();

    interface Auth {
        /**
         * Browser origins allowed by CORS on the MCP endpoints and the {@code /.well-known}
         * metadata. When unset, the origins of {@code mcp-gateway.allowed-origins}. {@code *}
         * allows any origin.
         */
        Optional<List<String>> corsOrigins();

        /** Tolerance for clock differences with the authorization server when checking exp and nbf. */
        @WithDefault("30s")
        Duration clockSkew();

        /** How long an issuer's metadata and keys are kept before they are fetched again. */
        @WithDefault("10m")
        Duration metadataCacheTime();

        /** Shortest time between two key-set refreshes caused by tokens signed with an unknown key. */
        @WithDefault("10s")
        Duration jwksMinRefreshInterval();

        /** Time allowed for a call to an authorization server (discovery, keys, introspection, tokens). */
        @WithDefault("10s")
        Duration requestTimeout();

        /** An upstream token is renewed this long before it expires. */
        @WithDefault("30s")
        Duration tokenRefreshMargin();

        /** Longest bearer token accepted; longer ones are refused as invalid without being parsed. */
        @WithDefault("16384")
        int maxTokenLength();
    }
}
