package dev.mcpgateway.session;

import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.commons.configuration.StringConfiguration;
import org.infinispan.commons.marshall.Marshaller;
import org.infinispan.commons.marshall.ProtoStreamMarshaller;
import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The gateway's Infinispan caches and how it calls them. Connecting (creating the Hot Rod client,
 * finding or creating the caches, registering listeners) is blocking, so it runs on a worker
 * thread, once, and again after a failure when the next operation needs it. Every operation
 * answers on the caller's Vert.x context and fails after a deadline, so an unreachable cluster
 * makes requests fail fast instead of hanging them.
 */
final class InfinispanCaches {

    private static final Logger LOG = Logger.getLogger(InfinispanCaches.class);

    static final String SESSIONS = "mcp-sessions";
    static final String STREAMS = "mcp-streams";
    static final String EVENTS = "mcp-events";
    static final String LEASES = "mcp-leases";
    static final String RESULTS = "mcp-results";
    static final String GRANTS = "mcp-grants";
    static final String RATE_LIMITS = "mcp-rate-limits";

    /** Longest wait for one store operation (including a connection attempt). */
    static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(3);

    /** After a failed connection attempt, operations fail at once for this long before the next attempt. */
    private static final long RECONNECT_AFTER_MILLIS = 1000;

    /**
     * Definitions used when the cluster lacks a cache; the same as infinispan/conf/infinispan.xml.
     * Entries get their expiry from the gateway (from the session idle timeout: a lifespan for sessions,
     * max-idle for the others).
     */
    private static final String CACHE_CONFIG = """
            <distributed-cache owners="2" mode="SYNC" statistics="true">
               <encoding media-type="application/x-protostream"/>
               <expiration interval="10000"/>
            </distributed-cache>""";

    /**
     * The definition of {@link #RESULTS}, the same as in infinispan/conf/infinispan.xml: two
     * copies like the others, bounded in memory per node. Entries carry their ttl as lifespan.
     */
    static final String RESULTS_CONFIG = """
            <distributed-cache owners="2" mode="SYNC" statistics="true">
               <encoding media-type="application/x-protostream"/>
               <memory max-size="64MB" when-full="REMOVE"/>
               <expiration interval="10000"/>
            </distributed-cache>""";

    /** The clients that have been given the schema (the session store and the event log share one). */
    private static final Set<RemoteCacheManager> SCHEMA_OFFERED = Collections.newSetFromMap(new WeakHashMap<>());

    private final Supplier<RemoteCacheManager> manager;
    private final Vertx vertx;
    private final long timeoutMillis;

    InfinispanCaches(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration operationTimeout) {
        this.manager = manager;
        this.vertx = vertx;
        this.timeoutMillis = operationTimeout.toMillis();
    }

    Vertx vertx() {
        return vertx;
    }

    /** The named cache, created from {@link #CACHE_CONFIG} when missing. Blocking: workers only. */
    <K, V> RemoteCache<K, V> cacheBlocking(String name) {
        return cacheBlocking(name, CACHE_CONFIG);
    }

    /** The named cache, created from {@code definition} when missing. Blocking: workers only. */
    <K, V> RemoteCache<K, V> cacheBlocking(String name, String definition) {
        RemoteCacheManager rcm = manager.get();
        ensureSchema(rcm);
        RemoteCache<K, V> cache = rcm.getCache(name);
        if (cache == null) {
            LOG.infof("Creating Infinispan cache %s", name);
            cache = rcm.administration().getOrCreateCache(name, new StringConfiguration(definition));
        }
        return cache;
    }

    /**
     * Makes sure the client can marshal the gateway's types (the Quarkus client registers
     * {@link InfinispanSchema} itself; a client built elsewhere may not), and offers the schema to the
     * server: the event log's filtered listeners query heads by their fields, which the server can
     * only do when it knows the schema (its console and REST API also show the entries as JSON then).
     * A failure (no permission, no server) is logged; the event log listens unfiltered while the
     * servers do not know the schema, and offers it again.
     */
    private static boolean ensureSchema(RemoteCacheManager rcm) {
        synchronized (SCHEMA_OFFERED) {
            if (!SCHEMA_OFFERED.add(rcm)) {
                return true;
            }
        }
        Marshaller marshaller = rcm.getMarshaller();
        if (marshaller instanceof ProtoStreamMarshaller proto
                && !proto.getSerializationContext().canMarshall(GatewaySession.class)) {
            new InfinispanSchema().register(proto.getSerializationContext());
        }
        try {
            rcm.administration().schemas().createOrUpdate(new InfinispanSchema());
        } catch (RuntimeException e) {
            LOG.debugf("Could not register the schema %s with Infinispan: %s", InfinispanSchema.FILE_NAME, e.getMessage());
            synchronized (SCHEMA_OFFERED) {
                // Offered again at the next connection.
                SCHEMA_OFFERED.remove(rcm);
            }
            return false;
        }
        return true;
    }

    /**
     * Offers the schema to the servers again, and answers whether they took it: a cluster that
     * restarted whole has forgotten it, and the event log's filtered listeners need it. Blocking:
     * workers only.
     */
    boolean offerSchemaAgain() {
        RemoteCacheManager rcm = manager.get();
        synchronized (SCHEMA_OFFERED) {
            SCHEMA_OFFERED.remove(rcm);
        }
        return ensureSchema(rcm);
    }

    /** A connection made once, on a worker thread, and retried after failures. */
    <T> Connection<T> connection(String what, Callable<T> connect) {
        return new Connection<>(what, connect);
    }

    /**
     * Runs {@code op} on the connected value. The future completes on the caller's context (a new
     * event-loop context when the caller has none) and fails after the operation timeout.
     */
    <C, T> Future<T> run(Connection<C> connection, Function<C, CompletionStage<T>> op) {
        Context ctx = callerContext();
        CompletionStage<T> stage = connection.get().thenCompose(op);
        String what = connection.what;
        return Future.fromCompletionStage(stage, ctx)
                .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .recover(t -> Future.failedFuture(t instanceof TimeoutException
                        ? new InfinispanUnavailableException(
                                what + ": Infinispan did not answer within " + timeoutMillis + " ms", t)
                        : unwrap(what, t)));
    }

    /** The caller's Vert.x context, or a new event-loop context for a caller outside Vert.x. */
    Context callerContext() {
        Context ctx = Vertx.currentContext();
        return ctx != null ? ctx : vertx.getOrCreateContext();
    }

    private static Throwable unwrap(String what, Throwable t) {
        Throwable cause = t;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof InfinispanUnavailableException || cause instanceof IllegalStateException) {
            return cause;
        }
        return new InfinispanUnavailableException(what + ": " + cause.getMessage(), cause);
    }

    /** A connection to Infinispan could not be made or an operation failed. */
    static final class InfinispanUnavailableException extends RuntimeException {
        InfinispanUnavailableException(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** The result of a blocking connect, made at most once at a time, memoized once it succeeds. */
    final class Connection<T> {
        private final String what;
        private final Callable<T> connect;
        private T value;
        private CompletableFuture<T> pending;
        private Throwable failure;
        private long failedAt;

        private Connection(String what, Callable<T> connect) {
            this.what = what;
            this.connect = connect;
        }

        /** The connected value, connecting first when needed. */
        synchronized CompletableFuture<T> get() {
            if (value != null) {
                return CompletableFuture.completedFuture(value);
            }
            if (pending != null) {
                return pending;
            }
            if (failure != null && System.currentTimeMillis() - failedAt < RECONNECT_AFTER_MILLIS) {
                return CompletableFuture.failedFuture(failure);
            }
            CompletableFuture<T> attempt = vertx.executeBlocking(connect, false).toCompletionStage().toCompletableFuture();
            pending = attempt;
            attempt.whenComplete((v, t) -> connected(attempt, v, t));
            return attempt;
        }

        private synchronized void connected(CompletableFuture<T> attempt, T v, Throwable t) {
            if (pending == attempt) {
                pending = null;
            }
            if (t == null) {
                value = v;
                failure = null;
            } else {
                failure = new InfinispanUnavailableException(what + ": cannot connect to Infinispan: " + t.getMessage(), t);
                failedAt = System.currentTimeMillis();
                LOG.warnf("%s: cannot connect to Infinispan: %s", what, t.getMessage());
            }
        }

        /** Whether the connection has been made. */
        synchronized boolean connected() {
            return value != null;
        }
    }
}
