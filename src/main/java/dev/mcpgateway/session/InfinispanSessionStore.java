package dev.mcpgateway.session;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.DataFormat;
import org.infinispan.client.hotrod.Flag;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryExpired;
import org.infinispan.client.hotrod.annotation.ClientListener;
import org.infinispan.client.hotrod.event.ClientCacheEntryCustomEvent;
import org.infinispan.commons.io.UnsignedNumeric;
import org.jboss.logging.Logger;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Sessions in the Infinispan cache {@code mcp-sessions}, shared by every replica connected to the
 * cluster. A session expires after the idle timeout (Infinispan max-idle: reads count as activity).
 * Expiry is reported through a Hot Rod client listener on expiration events, so every replica's
 * {@link #onExpiry} listeners hear of every expired session, whichever replica served it.
 */
final class InfinispanSessionStore implements SessionStore {

    private static final Logger LOG = Logger.getLogger(InfinispanSessionStore.class);

    /** How old {@link #size()} may be before it is refreshed (in the background). */
    private static final long SIZE_REFRESH_MILLIS = 5000;

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<RemoteCache<String, GatewaySession>> sessions;
    private final long idleMillis;
    private final List<Consumer<GatewaySession>> expiryListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong size = new AtomicLong();
    private volatile long sizeAt;
    private volatile boolean sizing;

    InfinispanSessionStore(Supplier<RemoteCacheManager> manager, Vertx vertx, Duration idleTimeout, Duration operationTimeout) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.idleMillis = idleTimeout.toMillis();
        this.sessions = caches.connection("session store", () -> {
            RemoteCache<String, GatewaySession> cache = caches.cacheBlocking(InfinispanCaches.SESSIONS);
            // The converter parameter asks the server to include the expired value in the event.
            cache.addClientListener(new ExpiryListener(cache.getDataFormat()), null, new Object[]{Boolean.TRUE});
            return cache;
        });
    }

    /** Connects now (in the background), so expiry events flow before the first request. */
    Future<Void> connect() {
        return caches.run(sessions, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<GatewaySession> get(String id) {
        return caches.run(sessions, c -> c.getAsync(id));
    }

    @Override
    public Future<Void> put(GatewaySession session) {
        return caches.run(sessions,
                c -> c.putAsync(session.id(), session, -1, TimeUnit.MILLISECONDS, idleMillis, TimeUnit.MILLISECONDS))
                .mapEmpty();
    }

    @Override
    public Future<GatewaySession> putIfAbsent(GatewaySession session) {
        return caches.run(sessions, c -> c.withFlags(Flag.FORCE_RETURN_VALUE).putIfAbsentAsync(session.id(), session, -1,
                TimeUnit.MILLISECONDS, idleMillis, TimeUnit.MILLISECONDS));
    }

    @Override
    public Future<Boolean> exists(String id) {
        return caches.run(sessions, c -> c.containsKeyAsync(id));
    }

    @Override
    public Future<GatewaySession> remove(String id) {
        return caches.run(sessions, c -> c.withFlags(Flag.FORCE_RETURN_VALUE).removeAsync(id));
    }

    /** The number of sessions in the cluster, as counted at most a few seconds ago. */
    @Override
    public long size() {
        if (!sizing && System.currentTimeMillis() - sizeAt > SIZE_REFRESH_MILLIS) {
            sizing = true;
            caches.run(sessions, RemoteCache::sizeAsync).onComplete(ar -> {
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
                byte[] value = element(data);
                GatewaySession session = value == null ? null : format.valueToObj(value, null);
                // During a rebalance the server may send the key alone: report what is known.
                expired(session != null ? session
                        : new GatewaySession(id, null, null, null, null, null, new LinkedHashMap<>(), null, 0));
            } catch (RuntimeException e) {
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
