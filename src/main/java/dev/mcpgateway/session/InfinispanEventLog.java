package dev.mcpgateway.session;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.DataFormat;
import org.infinispan.client.hotrod.MetadataValue;
import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryCreated;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryExpired;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryModified;
import org.infinispan.client.hotrod.annotation.ClientCacheEntryRemoved;
import org.infinispan.client.hotrod.annotation.ClientCacheFailover;
import org.infinispan.client.hotrod.annotation.ClientListener;
import org.infinispan.client.hotrod.event.ClientCacheEntryCustomEvent;
import org.infinispan.client.hotrod.event.ClientCacheFailoverEvent;
import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Event logs in Infinispan, shared by every replica.
 *
 * <p>Each stream has a head in {@code mcp-streams} (owner session, newest sequence number, complete
 * flag, and the newest event's data) and its retained events in {@code mcp-events} under their
 * event ids ({@code <stream>:<seq>}). An append replaces the head with a versioned replace, which
 * hands out the next sequence number even when two writers race, then stores the event and drops
 * the one that fell out of the bound. Heads and events expire after the session idle timeout
 * without use (an event that nobody reads for that long expires too); {@link #keepAlive()} keeps
 * the streams that have subscribers alive.
 *
 * <p>Live delivery follows the heads: one Hot Rod client listener per process receives every head
 * change (newest event included) and hands it to the subscribers of that stream on this process.
 * Changes of one key reach a listener in the order they were made, so subscribers see a stream's
 * events in sequence order, wherever they were appended. When the listener fails over to another
 * server, the events it may have missed meanwhile are read back from the log.
 */
final class InfinispanEventLog implements EventLog {

    private static final Logger LOG = Logger.getLogger(InfinispanEventLog.class);

    /** When to read back missed events after the listener failed over. */
    private static final long[] CATCH_UP_DELAYS_MILLIS = {500, 2000, 6000, 15000};

    /** Versioned-replace attempts before an append gives up (only concurrent writers conflict). */
    private static final int MAX_ATTEMPTS = 16;

    /** The stored head of a stream; {@code lastData} is the newest event's data (null after complete). */
    record StreamHead(String sessionId, long lastSeq, boolean complete, String lastData) {
    }

    /** The two caches of the log. */
    private record Caches(RemoteCache<String, StreamHead> streams, RemoteCache<String, String> events) {
    }

    /** The subscribers of one stream on this process, and the newest sequence number handed to them. */
    private static final class Subscribers {
        final List<Consumer<StoredEvent>> listeners = new CopyOnWriteArrayList<>();
        long delivered = -1;
    }

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<Caches> connection;
    private final int maxEvents;
    private final long idleMillis;
    private final Map<String, Subscribers> subscribers = new ConcurrentHashMap<>();
    /** The last queued operation per stream: appends and completions of one stream run one after another. */
    private final Map<String, Future<?>> queues = new ConcurrentHashMap<>();

    InfinispanEventLog(Supplier<RemoteCacheManager> manager, Vertx vertx, int maxEventsPerStream, Duration idleTimeout,
            Duration operationTimeout) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.maxEvents = Math.max(1, maxEventsPerStream);
        this.idleMillis = idleTimeout.toMillis();
        this.connection = caches.connection("event log", () -> {
            RemoteCache<String, StreamHead> streams = caches.cacheBlocking(InfinispanCaches.STREAMS);
            RemoteCache<String, String> events = caches.cacheBlocking(InfinispanCaches.EVENTS);
            streams.addClientListener(new HeadListener(streams.getDataFormat()), null, new Object[]{Boolean.TRUE});
            return new Caches(streams, events);
        });
    }

    /** Connects now (in the background), so subscriptions hear appends from the start. */
    Future<Void> connect() {
        return caches.run(connection, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<Void> open(String streamId, String sessionId) {
        StreamHead head = new StreamHead(sessionId, 0, false, null);
        return caches.run(connection, c -> c.streams().putIfAbsentAsync(streamId, head, -1, TimeUnit.MILLISECONDS,
                idleMillis, TimeUnit.MILLISECONDS)).mapEmpty();
    }

    @Override
    public Future<String> owner(String streamId) {
        return caches.run(connection, c -> c.streams().getAsync(streamId)).map(h -> h == null ? null : h.sessionId());
    }

    @Override
    public Future<Long> append(String streamId, String data) {
        return queued(streamId, () -> caches.run(connection, c -> append(c, streamId, data, 1)));
    }

    private CompletionStage<Long> append(Caches c, String streamId, String data, int attempt) {
        return c.streams().getWithMetadataAsync(streamId).thenCompose(current -> {
            if (current == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("unknown stream " + streamId));
            }
            StreamHead head = current.getValue();
            long seq = head.lastSeq() + 1;
            StreamHead next = new StreamHead(head.sessionId(), seq, head.complete(), data);
            return c.streams().replaceWithVersionAsync(streamId, next, current.getVersion(), -1, TimeUnit.MILLISECONDS,
                    idleMillis, TimeUnit.MILLISECONDS).thenCompose(replaced -> {
                        if (!replaced) {
                            if (attempt >= MAX_ATTEMPTS) {
                                return CompletableFuture.failedFuture(
                                        new IllegalStateException("too many concurrent appends to stream " + streamId));
                            }
                            return append(c, streamId, data, attempt + 1);
                        }
                        long dropped = seq - maxEvents;
                        if (dropped >= 1) {
                            c.events().removeAsync(eventKey(streamId, dropped)).exceptionally(t -> {
                                LOG.debugf("Could not drop event %s: %s", eventKey(streamId, dropped), t.getMessage());
                                return null;
                            });
                        }
                        return c.events().putAsync(eventKey(streamId, seq), data, -1, TimeUnit.MILLISECONDS, idleMillis,
                                TimeUnit.MILLISECONDS).thenApply(previous -> seq);
                    });
        });
    }

    @Override
    public Future<List<StoredEvent>> readAfter(String streamId, long afterSeq) {
        return caches.run(connection, c -> c.streams().getAsync(streamId).thenCompose(head -> {
            if (head == null || head.lastSeq() <= afterSeq) {
                return CompletableFuture.completedFuture(List.<StoredEvent>of());
            }
            long from = Math.max(afterSeq + 1, Math.max(1, head.lastSeq() - maxEvents + 1));
            Set<String> keys = new LinkedHashSet<>();
            for (long seq = from; seq <= head.lastSeq(); seq++) {
                keys.add(eventKey(streamId, seq));
            }
            return c.events().getAllAsync(keys).thenApply(found -> {
                List<StoredEvent> out = new ArrayList<>(keys.size());
                for (long seq = from; seq <= head.lastSeq(); seq++) {
                    String data = found.get(eventKey(streamId, seq));
                    if (data == null && seq == head.lastSeq()) {
                        // Its append has replaced the head but not yet stored the event.
                        data = head.lastData();
                    }
                    if (data != null) {
                        out.add(new StoredEvent(streamId, seq, data));
                    }
                }
                return out;
            });
        }));
    }

    @Override
    public Future<Void> complete(String streamId) {
        return queued(streamId, () -> caches.run(connection, c -> complete(c, streamId, 1)));
    }

    private CompletionStage<Void> complete(Caches c, String streamId, int attempt) {
        return c.streams().getWithMetadataAsync(streamId).thenCompose((MetadataValue<StreamHead> current) -> {
            if (current == null || current.getValue().complete()) {
                return CompletableFuture.completedFuture(null);
            }
            StreamHead head = current.getValue();
            // No newest data: this change carries no event for the listeners.
            StreamHead done = new StreamHead(head.sessionId(), head.lastSeq(), true, null);
            return c.streams().replaceWithVersionAsync(streamId, done, current.getVersion(), -1, TimeUnit.MILLISECONDS,
                    idleMillis, TimeUnit.MILLISECONDS).thenCompose(
                            replaced -> replaced || attempt >= MAX_ATTEMPTS
                                    ? CompletableFuture.completedFuture(null)
                                    : complete(c, streamId, attempt + 1));
        });
    }

    @Override
    public Future<Boolean> isComplete(String streamId) {
        return caches.run(connection, c -> c.streams().getAsync(streamId)).map(h -> h != null && h.complete());
    }

    @Override
    public AutoCloseable subscribe(String streamId, Consumer<StoredEvent> listener) {
        Subscribers subs = subscribers.computeIfAbsent(streamId, id -> new Subscribers());
        subs.listeners.add(listener);
        if (!connection.connected()) {
            connect().onFailure(t -> LOG.warnf("Subscription to stream %s may miss events: %s", streamId, t.getMessage()));
        }
        return () -> subscribers.computeIfPresent(streamId, (id, s) -> {
            s.listeners.remove(listener);
            return s.listeners.isEmpty() ? null : s;
        });
    }

    @Override
    public Future<Void> remove(String streamId) {
        return caches.run(connection, c -> c.streams().getAsync(streamId).thenCompose(head -> {
            if (head == null) {
                return CompletableFuture.completedFuture(null);
            }
            return c.streams().removeAsync(streamId).thenApply(removed -> {
                // The events would expire anyway; remove them without making the caller wait.
                for (long seq = Math.max(1, head.lastSeq() - maxEvents + 1); seq <= head.lastSeq(); seq++) {
                    c.events().removeAsync(eventKey(streamId, seq));
                }
                return null;
            });
        }));
    }

    /**
     * Touches the heads of the streams that have subscribers on this process, so a stream someone
     * is listening to does not expire while it is quiet. Run it well within the idle timeout.
     */
    void keepAlive() {
        if (!connection.connected()) {
            return;
        }
        for (String streamId : subscribers.keySet()) {
            caches.run(connection, c -> c.streams().getAsync(streamId))
                    .onFailure(t -> LOG.debugf("Could not touch stream %s: %s", streamId, t.getMessage()));
        }
    }

    static String eventKey(String streamId, long seq) {
        return streamId + ":" + seq;
    }

    /**
     * Runs {@code op} on the caller's context after the operations queued before it on the same
     * stream, whatever their outcome.
     */
    private <T> Future<T> queued(String streamId, Supplier<Future<T>> op) {
        Context ctx = caches.callerContext();
        Promise<T> done = Promise.promise();
        Future<T> mine = done.future();
        Future<?> before = queues.put(streamId, mine);
        if (before == null && Vertx.currentContext() == ctx) {
            op.get().onComplete(done);
        } else if (before == null) {
            ctx.runOnContext(v -> op.get().onComplete(done));
        } else {
            before.onComplete(ar -> ctx.runOnContext(v -> op.get().onComplete(done)));
        }
        mine.onComplete(ar -> queues.remove(streamId, mine));
        return mine;
    }

    /** Hands a head change to this process's subscribers of that stream, in order and once. */
    private void changed(String streamId, StreamHead head) {
        Subscribers subs = subscribers.get(streamId);
        if (subs == null || head == null || head.lastData() == null) {
            return;
        }
        StoredEvent event;
        synchronized (subs) {
            if (head.lastSeq() <= subs.delivered) {
                return;
            }
            subs.delivered = head.lastSeq();
            event = new StoredEvent(streamId, head.lastSeq(), head.lastData());
        }
        deliver(streamId, subs, event);
    }

    private void deliver(String streamId, Subscribers subs, StoredEvent event) {
        for (Consumer<StoredEvent> l : subs.listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Event listener of stream %s failed", streamId);
            }
        }
    }

    /** A stream was removed or expired: a stream made again under its id starts from 1. */
    private void ended(String streamId) {
        Subscribers subs = subscribers.get(streamId);
        if (subs != null) {
            synchronized (subs) {
                subs.delivered = -1;
            }
        }
    }

    /**
     * The listener lost its server and is being registered on another one (or, when the whole
     * cluster is down, again and again until it returns). Events appended meanwhile never reach
     * it, so read them back from the log, a few times while the listener comes back.
     */
    private void failedOver() {
        for (long delay : CATCH_UP_DELAYS_MILLIS) {
            caches.vertx().setTimer(delay, id -> catchUp());
        }
    }

    private void catchUp() {
        subscribers.forEach((streamId, subs) -> {
            long after;
            synchronized (subs) {
                after = Math.max(0, subs.delivered);
            }
            readAfter(streamId, after).onSuccess(events -> {
                for (StoredEvent e : events) {
                    boolean fresh;
                    synchronized (subs) {
                        fresh = e.seq() > subs.delivered;
                        if (fresh) {
                            subs.delivered = e.seq();
                        }
                    }
                    if (fresh) {
                        deliver(streamId, subs, e);
                    }
                }
            });
        });
    }

    /**
     * Receives every change of a stream head with the new head, through the server-side converter
     * {@code ___eager-key-value-version-converter}: [len][key][len][value][version].
     */
    @ClientListener(converterFactoryName = "___eager-key-value-version-converter", useRawData = true)
    final class HeadListener {
        private final DataFormat format;

        HeadListener(DataFormat format) {
            this.format = format;
        }

        @ClientCacheEntryCreated
        @ClientCacheEntryModified
        public void onChange(ClientCacheEntryCustomEvent<byte[]> event) {
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                String streamId = format.keyToObj(InfinispanSessionStore.element(data), null);
                if (!subscribers.containsKey(streamId)) {
                    return;
                }
                byte[] value = InfinispanSessionStore.element(data);
                changed(streamId, value == null ? null : format.valueToObj(value, null));
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a change of %s", InfinispanCaches.STREAMS);
            }
        }

        @ClientCacheEntryRemoved
        @ClientCacheEntryExpired
        public void onEnd(ClientCacheEntryCustomEvent<byte[]> event) {
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                ended(format.keyToObj(InfinispanSessionStore.element(data), null));
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a removal of %s", InfinispanCaches.STREAMS);
            }
        }

        @ClientCacheFailover
        public void onFailover(ClientCacheFailoverEvent event) {
            LOG.infof("The listener on %s failed over; replaying what subscribers may have missed", InfinispanCaches.STREAMS);
            failedOver();
        }
    }
}
