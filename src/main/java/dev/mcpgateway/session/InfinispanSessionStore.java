package dev.mcpgateway.session;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.DataFormat;
import org.infinispan.client.hotrod.Flag;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryExpired;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryModified;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryRemoved;
import org.infinispan.client.hotrod.annotation.ClientCacheFailover;
import org.infinispan.client.hotrod.annotation.ClientListener;
import org.infinispan.client.hotrod.event.ClientCacheEntryCustomEvent;
import org.infinispan.client.hotrod.event.ClientCacheEntryModifiedEvent;
import org.infinispan.client.hotrod.event.ClientCacheEntryRemovedEvent;
import org.infinispan.client.hotrod.event.ClientCacheFailoverEvent;
import org.infinispan.client.hotrod.event.impl.ClientListenerNotifier;
import org.infinispan.client.hotrod.impl.InternalRemoteCache;
import org.infinispan.commons.io.UnsignedNumeric;
import org.jboss.logging.Logger;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Sessions in the Infinispan cache {@code mcp-sessions}, shared by every replica connected to the
 * cluster.
 *
 * <p>Serving a request costs no round trip in the steady state. Each replica keeps a bounded local
 * copy of the sessions it served ({@link LocalSessions}), dropped when a Hot Rod client listener
 * reports the entry modified, removed or expired. Entries live for a lifespan of the idle timeout
 * plus a quarter of it, and a replica that serves a session written more than a quarter of the idle
 * timeout ago writes it again (in the background, only if its version is unchanged), so a session
 * ends between the idle timeout and 1.25 times it after its last request. A read is never a write:
 * Infinispan's max-idle would replicate a touch to the other owner on every read.
 *
 * <p>Changes never bring back a removed session: updates are replaces ({@link #replace}), refreshes
 * are versioned. A replica may still serve a session removed elsewhere until the removal event
 * reaches it (the time the event takes from the server to the client).
 *
 * <p>Expiry is reported through a Hot Rod client listener on expiration events, so every replica's
 * {@link #onExpiry} listeners hear of every expired session, whichever replica served it.
 */
final class InfinispanSessionStore implements SessionStore {

    private static final Logger LOG = Logger.getLogger(InfinispanSessionStore.class);

    /** How old {@link #size()} may be before it is refreshed (in the background). */
    private static final long SIZE_REFRESH_MILLIS = 5000;

    /** How often to check whether the listener is registered again after a failover. */
    private static final long RELISTEN_CHECK_MILLIS = 500;

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, GatewaySession>> sessions;
    private final long idleMillis;
    /** A session written longer ago than this is written again when served. */
    private final long refreshAfterMillis;
    /** The lifespan of every entry. */
    private final long lifespanMillis;
    private final LocalSessions local;
    private final ChangeListener changeListener = new ChangeListener();
    /** Whether a timer checks that the listener is registered again after a failover. */
    private final AtomicBoolean relistening = new AtomicBoolean();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final List<Consumer<GatewaySession>> expiryListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong size = new AtomicLong();
    private volatile long sizeAt;
    private volatile boolean sizing;

    InfinispanSessionStore(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration idleTimeout, Duration operationTimeout,
            int maxLocalCopies) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.idleMillis = idleTimeout.toMillis();
        this.refreshAfterMillis = idleMillis / 4;
        this.lifespanMillis = idleMillis + refreshAfterMillis;
        this.local = new LocalSessions(maxLocalCopies);
        // Trusted once the listener is registered.
        local.distrust();
        this.sessions = caches.connection("session store", () -> {
            RemoteCache<String, GatewaySession> cache = caches.cacheBlocking(InfinispanCaches.SESSIONS);
            cache.addClientListener(changeListener);
            // Copies kept before the listener was registered may have missed events.
            local.trust();
            // The converter parameter asks the server to include the expired value in the event.
            cache.addClientListener(new ExpiryListener(cache.getDataFormat()), null, new Object[]{Boolean.TRUE});
            return cache;
        });
    }

    /** Connects now (in the background), so expiry events flow before the first request. */
    Future<Void> connect() {
        return run(c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<GatewaySession> get(String id) {
        long now = System.currentTimeMillis();
        LocalSessions.Copy copy = local.get(id, now);
        if (copy != null) {
            refreshIfOld(id, copy, now);
            return Future.succeededFuture(copy.session());
        }
        long stamp = local.stamp();
        return run(c -> c.getWithMetadataAsync(id)).map(found -> {
            if (found == null) {
                return null;
            }
            LocalSessions.Copy read = copy(found, now);
            local.keep(id, read, stamp);
            refreshIfOld(id, read, now);
            return found.getValue();
        });
    }

    private LocalSessions.Copy copy(MetadataValue<GatewaySession> found, long now) {
        long created = found.getCreated();
        if (created <= 0 || found.getLifespan() < 0) {
            // Written with max-idle (by an older gateway): refresh it at once, to a lifespan.
            return new LocalSessions.Copy(found.getValue(), found.getVersion(), 0, now + refreshAfterMillis);
        }
        // Hot Rod reports the lifespan in whole seconds.
        long lifespan = found.getLifespan() > 0 ? Math.min(lifespanMillis, found.getLifespan() * 1000L) : lifespanMillis;
        return new LocalSessions.Copy(found.getValue(), found.getVersion(), created, created + lifespan);
    }

    /**
     * Writes a served session again when its last write is older than the refresh interval, in the
     * background and only if nobody changed it since it was read: a stale copy never overwrites a
     * change, nor brings back a removed session.
     */
    private void refreshIfOld(String id, LocalSessions.Copy copy, long now) {
        if (now - copy.writtenAt() <= refreshAfterMillis || !refreshing.add(id)) {
            return;
        }
        run(c -> c.replaceWithVersionAsync(id, copy.session(), copy.version(), lifespanMillis,
                TimeUnit.MILLISECONDS, -1, TimeUnit.MILLISECONDS)).onComplete(ar -> {
                    refreshing.remove(id);
                    // Refreshed: the copy's version is old. Not refreshed: the entry changed or is gone.
                    local.invalidate(id);
                    if (ar.failed()) {
                        LOG.debugf("Could not refresh session %s: %s", id, ar.cause().getMessage());
                    }
                });
    }

    @Override
    public Future<Void> put(GatewaySession session) {
        local.invalidate(session.id());
        return run(
                c -> c.putAsync(session.id(), session, lifespanMillis, TimeUnit.MILLISECONDS, -1, TimeUnit.MILLISECONDS))
                .andThen(ar -> local.invalidate(session.id()))
                .mapEmpty();
    }

    @Override
    public Future<Boolean> replace(GatewaySession session) {
        local.invalidate(session.id());
        return run(c -> c.withFlags(Flag.FORCE_RETURN_VALUE).replaceAsync(session.id(), session,
                lifespanMillis, TimeUnit.MILLISECONDS, -1, TimeUnit.MILLISECONDS))
                .andThen(ar -> local.invalidate(session.id()))
                .map(previous -> previous != null);
    }

    @Override
    public Future<GatewaySession> putIfAbsent(GatewaySession session) {
        return run(c -> c.withFlags(Flag.FORCE_RETURN_VALUE).putIfAbsentAsync(session.id(), session,
                lifespanMillis, TimeUnit.MILLISECONDS, -1, TimeUnit.MILLISECONDS));
    }

    @Override
    public Future<Boolean> exists(String id) {
        if (local.get(id, System.currentTimeMillis()) != null) {
            return Future.succeededFuture(true);
        }
        return run(c -> c.containsKeyAsync(id));
    }

    @Override
    public Future<GatewaySession> remove(String id) {
        local.invalidate(id);
        return run(c -> c.withFlags(Flag.FORCE_RETURN_VALUE).removeAsync(id))
                .andThen(ar -> local.invalidate(id));
    }

    /** Reads at most {@code max} entries with their metadata; the last write stands for the last activity. */
    @Override
    public Future<List<Listed>> list(int max) {
        return run(c -> CompletableFuture.supplyAsync(() -> {
            List<Listed> out = new java.util.ArrayList<>();
            try (var it = c.retrieveEntriesWithMetadata(null, Math.min(max, 100))) {
                while (it.hasNext() && out.size() < max) {
                    var e = it.next();
                    if (e.getValue().getValue() instanceof GatewaySession s) {
                        out.add(new Listed(s, e.getValue().getCreated()));
                    }
                }
            }
            return out;
        }));
    }

    /**
     * Runs an operation on the sessions cache. A failure (the cluster cannot be reached) drops every
     * local copy: events may be lost meanwhile, and a cluster restarted whole has lost its sessions.
     */
    private <T> Future<T> run(Function<RemoteCache<String, GatewaySession>, CompletionStage<T>> op) {
        return caches.run(sessions, op).onFailure(t -> local.clear());
    }

    /** How many sessions this replica holds a local copy of. */
    int localCopies() {
        return local.size();
    }

    /** The number of sessions in the cluster, as counted at most a few seconds ago. */
    @Override
    public long size() {
        if (!sizing && System.currentTimeMillis() - sizeAt > SIZE_REFRESH_MILLIS) {
            sizing = true;
            run(RemoteCache::sizeAsync).onComplete(ar -> {
                if (ar.succeeded()) {
                    size.set(ar.result());
                }
                sizeAt = System.currentTimeMillis();
                sizing = false;
            });
        }
        return size.get();
    }

    @Override
    public void onExpiry(Consumer<GatewaySession> listener) {
        expiryListeners.add(listener);
    }

    private void expired(GatewaySession session) {
        LOG.debugf("Session %s expired after %d ms idle", session.id(), idleMillis);
        for (Consumer<GatewaySession> l : expiryListeners) {
            try {
                l.accept(session);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Expiry listener failed for session %s", session.id());
            }
        }
    }

    /**
     * Drops local copies of entries changed anywhere in the cluster. Events carry keys only. After a
     * failover (the server holding this listener went away) events may have been missed: every copy
     * goes.
     */
    @ClientListener
    final class ChangeListener {

        @ClientCacheEntryModified
        public void onModified(ClientCacheEntryModifiedEvent<String> event) {
            local.invalidate(event.getKey());
        }

        @ClientCacheEntryRemoved
        public void onRemoved(ClientCacheEntryRemovedEvent<String> event) {
            local.invalidate(event.getKey());
        }

        @ClientCacheFailover
        public void onFailover(ClientCacheFailoverEvent event) {
            LOG.debugf("The %s listener lost its server: sessions are read from the cluster until it is registered again",
                    InfinispanCaches.SESSIONS);
            local.distrust();
            awaitListener();
        }
    }

    /**
     * After a failover the client registers the listener again on a live server (at once, or every
     * few seconds while the whole cluster is down); copies are kept again once it is registered.
     */
    private void awaitListener() {
        if (!relistening.compareAndSet(false, true)) {
            return;
        }
        long since = System.currentTimeMillis();
        caches.vertx().setPeriodic(RELISTEN_CHECK_MILLIS, id -> sessions.get().thenAccept(cache -> {
            // A failover after this read keeps the copies distrusted, and the timer running.
            long distrusts = local.distrusts();
            if (listening(cache, since) && local.trust(distrusts)) {
                caches.vertx().cancelTimer(id);
                relistening.set(false);
                LOG.debugf("The %s listener is registered again", InfinispanCaches.SESSIONS);
                if (!local.trusted()) {
                    awaitListener();
                }
            }
        }));
    }

    /**
     * Whether the change listener is registered (again) on a live server. The client's listener
     * registry is not public API: a client without it is trusted two of its reconnection periods
     * after the failover.
     */
    private boolean listening(RemoteCache<String, GatewaySession> cache, long failedOverAt) {
        if (cache instanceof InternalRemoteCache<?, ?> internal) {
            ClientListenerNotifier notifier = internal.getListenerNotifier();
            byte[] id = notifier.findListenerId(changeListener);
            return id != null && notifier.isListenerConnected(id);
        }
        return System.currentTimeMillis() - failedOverAt > 2 * ClientListenerNotifier.RECONNECT_PERIOD;
    }

    /**
     * Receives expiration events with the expired entry. The server-side converter
     * {@code ___eager-key-value-version-converter} (built into every Infinispan server) sends the
     * key and value as they are stored, in this client's format: [len][key][len][value][version].
     */
    @ClientListener(converterFactoryName = "___eager-key-value-version-converter", useRawData = true)
    final class ExpiryListener {
        private final DataFormat format;

        ExpiryListener(DataFormat format) {
            this.format = format;
        }

        @ClientCacheEntryExpired
        public void onExpired(ClientCacheEntryCustomEvent<byte[]> event) {
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                String id = format.keyToObj(element(data), null);
                local.invalidate(id);
                byte[] value = element(data);
                GatewaySession session = value == null ? null : format.valueToObj(value, null);
                // During a rebalance the server may send the key alone: report what is known.
                expired(session != null ? session
                        : new GatewaySession(id, null, null, null, null, null, new LinkedHashMap<>(), null, 0));
            } catch (RuntimeException e) {
                local.clear();
                LOG.warnf(e, "Could not read an expiration event of %s", InfinispanCaches.SESSIONS);
            }
        }
    }

    static byte[] element(ByteBuffer buffer) {
        if (!buffer.hasRemaining()) {
            return null;
        }
        byte[] element = new byte[UnsignedNumeric.readUnsignedInt(buffer)];
        buffer.get(element);
        return element;
    }
}
