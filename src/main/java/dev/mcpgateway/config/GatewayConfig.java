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

    /**
     * Where routes come from: {@code file} ({@link #configFile()}, re-read when it changes) or
     * {@code kubernetes} (MCPRoute resources read from the Kubernetes API, see {@link #kubernetes()}
     * and docs/kubernetes.md; the config file is then ignored).
     */
    @WithDefault("file")
    ConfigSourceKind configSource();

    /** The choices for {@link #configSource()}. */
    enum ConfigSourceKind {
        FILE,
        KUBERNETES
    }

    /** The Kubernetes config source ({@code config-source=kubernetes}). */
    Kubernetes kubernetes();

    interface Kubernetes {
        /**
         * Only MCPRoutes whose {@code parentRefs} name a Gateway of this name are served and get a
         * status; the others are left alone (another gateway, such as Envoy AI Gateway, may serve them).
         */
        @WithDefault("mcp-gateway")
        String gatewayName();

        /**
         * When set, a parentRef must also be in this namespace (its {@code namespace}, else the
         * route's own); when unset, any namespace matches.
         */
        Optional<String> gatewayNamespace();

        /**
         * Namespaces whose MCPRoutes, Backends, BackendTLSPolicies, Secrets and ConfigMaps are watched.
         * Default: the gateway's own namespace (the service account's, or the client's configured one).
         * A route's references are looked up in its own namespace only.
         */
        Optional<List<String>> namespaces();

        /** Quiet time after a change before the routes are rebuilt, so objects applied together are installed once. */
        @WithDefault("200ms")
        Duration debounce();

        /**
         * Longest start-up wait for the first listing of the watched resources; past it the gateway
         * starts without routes and installs them when the listing arrives.
         */
        @WithDefault("30s")
        Duration syncTimeout();
    }

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

    /**
     * With the Infinispan store: most sessions each replica keeps a local copy of, so serving a request
     * needs no round trip to Infinispan; the least recently used copies are dropped first. A copy is
     * dropped when the cluster reports its session changed, ended or expired. 0 keeps no copies (every
     * request reads the session from Infinispan).
     */
    @WithDefault("10000")
    int sessionCacheMaxEntries();

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
     * How long a replica's claim to pump a session's upstream streams lasts without renewal. A
     * replica that dies is noticed sooner by its heartbeat ({@code replica-heartbeat-timeout}); this
     * is the bound when a replica lives on but stops renewing.
     */
    @WithDefault("6s")
    Duration streamLease();

    /**
     * How often each replica records in the store that it is alive (one small entry per replica,
     * whatever the number of sessions), and how often a replica that serves a reader of a session
     * pumped elsewhere checks that the pumping replica is alive.
     */
    @WithDefault("100ms")
    Duration replicaHeartbeat();

    /**
     * A replica whose last heartbeat is older than this counts as dead: replicas serving readers of
     * the sessions it pumped take their streams over at once, without waiting for the stream leases
     * to lapse. A replica stalled for longer (a long GC pause) loses its streams too, and stops
     * copying them as soon as it notices: nothing is lost or copied twice.
     */
    @WithDefault("500ms")
    Duration replicaHeartbeatTimeout();

    /**
     * When set, every MCP response carries it in a {@code Mcp-Gateway-Replica} header, so an
     * operator can tell which replica behind a load balancer answered.
     */
    Optional<String> replicaName();

    /** Name the gateway gives itself in {@code serverInfo}. */
    @WithDefault("mcp-gateway")
    String serverName();

    /** The routes' server cards (the MCP Server Card extension) and the AI catalog listing them. */
    ServerCard serverCard();

    interface ServerCard {
        /** Serve {@code <route path>/server-card}, {@code /.well-known/mcp/server-card.json} and the AI catalog. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The namespace of the cards' names, in reverse DNS ({@code com.example}); a card is named
         * {@code <namespace>/<route name>}. Default: the request's host name reversed.
         */
        Optional<String> namespace();

        /** The cards' description (at most 100 characters). Default: the route and its backends. */
        Optional<String> description();

        /** A page about this gateway's deployment, as the cards' {@code websiteUrl}. */
        Optional<String> websiteUrl();
    }

    /** Upstream connection settings. */
    Upstream upstream();

    interface Upstream {
        /** Time to open a TCP connection to an HTTP upstream. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Pooled upstream connections unused this long are closed. */
        @WithDefault("60s")
        Duration idleConnectionTimeout();

        /**
         * Most pooled HTTP/1.1 connections to one backend, split evenly between the event loops (each
         * loop keeps its own pool, so a call never changes threads).
         */
        @WithDefault("256")
        int maxConnectionsPerBackend();

        /** Longest wait between restarts of a stdio upstream process that keeps dying. */
        @WithDefault("30s")
        Duration stdioRestartMaxBackoff();

        /**
         * Largest message accepted from an upstream: a stdio line, an SSE event, a JSON response
         * body. A larger one fails the request with an error naming the backend.
         */
        @WithDefault("4M")
        MemorySize maxMessageSize();

        /** A stdio process serving one session or principal is stopped after this long unused. */
        @WithDefault("10m")
        Duration stdioIdleTimeout();

        /**
         * Most stdio processes one replica runs at once, over every backend; a session that would
         * need another gets an error naming this setting.
         */
        @WithDefault("64")
        int maxStdioProcesses();
    }

    /** Bounds on what clients may hold and feed (see docs/reliability.md). */
    Limits limits();

    interface Limits {
        /**
         * Bytes one SSE stream toward a client may have queued but unwritten. Past it the stream is
         * closed; the client resumes by {@code Last-Event-ID} from the event log.
         */
        @WithDefault("1M")
        MemorySize streamWriteQueue();

        /** Time a client has to send a complete request head (request line and headers). */
        @WithDefault("30s")
        Duration headerTimeout();

        /** Longest a request body may pause between bytes before the connection is closed. */
        @WithDefault("30s")
        Duration bodyStallTimeout();

        /** Most connections one client address may hold open at once; 0 for no limit. */
        @WithDefault("512")
        int maxConnectionsPerAddress();

        /**
         * How long a replica keeps pumping a session's upstream streams after the last client reading
         * that session's stream from it went away; then the upstream streams close until a client
         * reads again (resuming each upstream after its last event where the upstream allows).
         */
        @WithDefault("60s")
        Duration unreadStreamTimeout();

        /** Most open sessions one principal may hold; {@code initialize} beyond it gets an error. 0 for no limit. */
        @WithDefault("100")
        int maxSessionsPerPrincipal();
    }

    /** The access log (category {@code dev.mcpgateway.access}). */
    AccessLog accessLog();

    interface AccessLog {
        /** {@code text} (key=value with control characters escaped) or {@code json} (one object per line). */
        @WithDefault("text")
        AccessLogFormat format();

        /**
         * Where lines go: {@code stdout} writes them to standard output in batches, each starting with
         * its UTC {@code time}, at most a flush interval after the request (one write for many lines,
         * no work for another thread per request); {@code log} makes each line a record of the logging
         * category {@code dev.mcpgateway.access}, so the logging system's handlers and formats apply.
         */
        @WithDefault("stdout")
        AccessLogSink sink();

        /** With {@code sink=stdout}: longest a line waits in the buffer before it is written. */
        @WithDefault("200ms")
        Duration flushInterval();

        /**
         * With {@code sink=stdout}: most bytes of lines held while standard output is slow; lines
         * beyond it are dropped, and the next write says how many.
         */
        @WithDefault("1M")
        MemorySize bufferSize();
    }

    /** The choices for {@link AccessLog#sink()}. */
    enum AccessLogSink {
        STDOUT,
        LOG
    }

    /** The choices for {@link AccessLog#format()}. */
    enum AccessLogFormat {
        TEXT,
        JSON
    }

    /** The gateway's event stream (audit, usage metering): docs/events.md. */
    Events events();

    interface Events {
        /**
         * Where events go: {@code none} emits nothing, {@code log} writes each as a JSON record of the
         * logging category {@code dev.mcpgateway.events}, {@code kafka} sends them to a Kafka topic
         * keyed by session (Reactive Messaging channel {@code mcp-gateway-events}).
         */
        @WithDefault("none")
        EventSink sink();

        /**
         * Most events waiting for the sink; when it is full (the sink is slow or down) new events are
         * dropped and counted ({@code mcp_gateway_eventstream_dropped_total}), never waited for.
         */
        @WithDefault("10000")
        int bufferSize();

        /** With {@code sink=kafka}. */
        Kafka kafka();

        interface Kafka {
            /** The brokers; default: {@code kafka.bootstrap.servers}, else {@code localhost:9092}. */
            Optional<String> bootstrapServers();

            /** The topic events are written to. */
            @WithDefault("mcp-gateway-events")
            String topic();
        }
    }

    /** The choices for {@link Events#sink()}. */
    enum EventSink {
        NONE,
        LOG,
        KAFKA
    }

    /** Security settings shared by every route (the per-route ones live in the route's {@code auth}). */
    Auth auth();

    /** Calling {@code user_oauth} backends with each caller's own grant (consent links, stored grants). */
    UserOAuth userOauth();

    interface UserOAuth {
        /**
         * Key that encrypts stored grants (AES-256-GCM; any string, hashed to 256 bits). Every replica
         * needs the same value. When unset, a key derived from {@code mcp-gateway.signing-key}; when
         * that is unset too, a random key per process (grants do not survive a restart then).
         */
        Optional<String> encryptionKey();

        /**
         * This gateway's public base URL (e.g. {@code https://gateway.example.com}): consent links and
         * the OAuth callback {@code <url>/oauth/callback} are built on it. When unset, from the Host
         * header of the MCP request, as {@code http://HOST}.
         */
        Optional<String> publicUrl();

        /** How long a consent link (and the authorization it starts) stays valid; each works once. */
        @WithDefault("5m")
        Duration consentTtl();

        /** A stored access token is refreshed this long before it expires. */
        @WithDefault("30s")
        Duration refreshMargin();
    }

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

        /**
         * How long an issuer's metadata is kept before it is fetched again (its keys are fetched again
         * when a token names an unknown key).
         */
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

        /**
         * Most DPoP proofs remembered at once (each for its lifetime, to refuse a replay) with the
         * memory store; beyond it new proofs are refused. With Infinispan the cluster keeps them.
         */
        @WithDefault("100000")
        int dpopMaxProofs();
    }

    /** How routes' {@code rateLimits} rules are counted (docs/rate-limits.md). */
    RateLimits rateLimits();

    interface RateLimits {
        /**
         * What a replica does while it cannot reach the shared counters (Infinispan store): {@code local}
         * counts on this replica against its share of each limit (the limit divided by
         * {@code replicas}); {@code allow} lets every request through; {@code deny} refuses every
         * request a rule counts.
         */
        @WithDefault("local")
        WhenStoreUnavailable whenStoreUnavailable();

        /**
         * The number of replicas a limit is divided by while the store is unreachable; when unset, the
         * number of replicas last seen counting in the store (1 before any was seen).
         */
        java.util.OptionalInt replicas();

        /**
         * Most requests a replica reserves from a shared counter at once. Larger batches mean fewer
         * store operations per call; requests reserved by one replica and not used by the end of the
         * window are not available to the others (the documented tolerance). 1 counts every call in
         * the store.
         */
        @WithDefault("10")
        int batch();

        /** Longest wait for one operation on the shared counters before the replica counts locally. */
        @WithDefault("500ms")
        Duration storeTimeout();

        /** After a failed operation on the shared counters, how long the replica counts locally before trying again. */
        @WithDefault("5s")
        Duration storeRetry();
    }

    /** The choices for {@link RateLimits#whenStoreUnavailable()}. */
    enum WhenStoreUnavailable {
        LOCAL,
        ALLOW,
        DENY
    }
}
