package dev.mcpgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Event logs in Infinispan, shared by every replica.
 *
 * <p>Each stream has a head in {@code mcp-streams} (stream id, owner session, newest sequence number,
 * complete flag, the newest event's data, the writer of copied events and each source's position) and
 * its retained events in {@code mcp-events} under their event ids ({@code <stream>:<seq>}). Every
 * write replaces the head with a versioned replace ({@link HeadWrites}): an append gets the next
 * sequence number even when two writers race, and a copied event's position and writer check take
 * effect in the same replace. Heads and events expire after the session idle timeout
 * without use (an event that nobody reads for that long expires too); {@link #keepAlive()} keeps the
 * streams that have subscribers alive.
 *
 * <p>Live delivery follows the heads: the {@link HeadListeners} of this process receive the head
 * changes (newest event included) of the streams it has subscribers for, and the log hands them to
 * those subscribers. A stream that no listener heard yet when it was subscribed to is read back from
 * the log once one does, so nothing appended in between is lost; its listener events wait until then,
 * so order holds. That read-back hands out the stream's retained events from the first (no read can
 * tell which were appended before the subscription was made: a read of the head may be served after
 * appends that followed the subscription), so such a subscriber may also receive events appended
 * before it subscribed; every caller already drops events at or below its own position by sequence
 * number.
 *
 * <p>Changes of one key reach a listener in the order they were made, so subscribers see a stream's
 * events in sequence order, wherever they were appended; while two listeners overlap, the per-stream
 * sequence number drops the duplicates. When a listener fails over to another server, the events it
 * may have missed meanwhile are read back from the log.
 */
final class InfinispanEventLog implements EventLog {

    private static final Logger LOG = Logger.getLogger(InfinispanEventLog.class);

    /** While no listener covers a new subscription's stream yet, how often it is read from the log. */
    private static final long UNCOVERED_POLL_MILLIS = 100;

    /** After a failed read-back of a newly covered stream, when to try again. */
    private static final long READ_BACK_RETRY_MILLIS = 1000;

    /**
     * The stored head of a stream; {@code lastData} is the newest event's data (null after complete);
     * {@code writer} is the one whose copied events it accepts (see {@link #fence}), {@code positions}
     * the source's id of the last event copied from each source.
     */
    record StreamHead(String streamId, String sessionId, long lastSeq, boolean complete, String lastData, String writer,
            Map<String, String> positions) {

        StreamHead {
            positions = positions == null ? Map.of() : Map.copyOf(positions);
        }

        StreamHead(String streamId, String sessionId, long lastSeq, boolean complete, String lastData) {
            this(streamId, sessionId, lastSeq, complete, lastData, null, Map.of());
        }
    }

    /** The two caches of the log. */
    record Caches(RemoteCache<String, StreamHead> streams, RemoteCache<String, String> events) {
    }

    /**
     * The subscribers of one stream on this process, and the newest sequence number handed to them.
     * Until a listener covers the stream and what was appended before is read back ({@code live}),
     * listener events wait in {@code held}. Guarded by itself.
     */
    private static final class Subscribers {
        final List<Consumer<StoredEvent>> listeners = new CopyOnWriteArrayList<>();
        long delivered = -1;
        boolean live;
        boolean settling;
        final List<StoredEvent> held = new ArrayList<>();
    }

    private final InfinispanCaches caches;
    private final InfinispanCaches.Connection<Caches> connection;
    private final int maxEvents;
    private final long idleMillis;
    private final HeadWrites writes;
    private final Map<String, Subscribers> subscribers = new ConcurrentHashMap<>();
    /** The last queued operation per stream: appends and completions of one stream run one after another. */
    private final Map<String, Future<?>> queues = new ConcurrentHashMap<>();
    /** Hear the head changes of the streams in {@code subscribers}. */
    private final HeadListeners listeners;

    InfinispanEventLog(Supplier<RemoteCacheManager> manager, Vertx vertx, int maxEventsPerStream, Duration idleTimeout,
            Duration operationTimeout) {
        this(manager, vertx, maxEventsPerStream, idleTimeout, operationTimeout, HeadListeners.DEFAULT_MAX_FILTERED_STREAMS);
    }

    /**
     * @param maxFilteredStreams most streams a filtered listener names; above it (0: always) the
     *        process listens to every head change
     */
    InfinispanEventLog(Supplier<RemoteCacheManager> manager, Vertx vertx, int maxEventsPerStream, Duration idleTimeout,
            Duration operationTimeout, int maxFilteredStreams) {
        this.caches = new InfinispanCaches(manager, vertx, operationTimeout);
        this.maxEvents = Math.max(1, maxEventsPerStream);
        this.idleMillis = idleTimeout.toMillis();
        this.writes = new HeadWrites(this.maxEvents, this.idleMillis);
        this.connection = caches.connection("event log", () -> new Caches(caches.cacheBlocking(InfinispanCaches.STREAMS),
                caches.cacheBlocking(InfinispanCaches.EVENTS)));
        this.listeners = new HeadListeners(caches, () -> connection.get().thenApply(Caches::streams), maxFilteredStreams,
                new HeadListeners.Receiver() {
                    @Override
                    public Set<String> tailed() {
                        return Set.copyOf(subscribers.keySet());
                    }

                    @Override
                    public boolean tails(String streamId) {
                        return subscribers.containsKey(streamId);
                    }

                    @Override
                    public void changed(String streamId, StreamHead head, boolean created) {
                        InfinispanEventLog.this.changed(streamId, head, created);
                    }

                    @Override
                    public void ended(String streamId) {
                        InfinispanEventLog.this.ended(streamId);
                    }

                    @Override
                    public void coverageChanged() {
                        settleAll();
                    }

                    @Override
                    public void catchUp() {
                        InfinispanEventLog.this.catchUp();
                    }
                });
    }

    /** Connects now (in the background), so the first operations do not wait for it. */
    Future<Void> connect() {
        return caches.run(connection, c -> CompletableFuture.completedFuture((Void) null));
    }

    @Override
    public Future<Void> open(String streamId, String sessionId) {
        StreamHead head = new StreamHead(streamId, sessionId, 0, false, null);
        return caches.run(connection, c -> c.streams().putIfAbsentAsync(streamId, head, -1, TimeUnit.MILLISECONDS,
                idleMillis, TimeUnit.MILLISECONDS)).mapEmpty();
    }

    @Override
    public Future<String> owner(String streamId) {
        return caches.run(connection, c -> c.streams().getAsync(streamId)).map(h -> h == null ? null : h.sessionId());
    }

    @Override
    public Future<Long> append(String streamId, String data) {
        return queued(streamId, () -> caches.run(connection, c -> writes.append(c, streamId, data, null, 1)));
    }

    @Override
    public Future<Long> append(String streamId, String data, Origin origin) {
        return queued(streamId, () -> caches.run(connection, c -> writes.append(c, streamId, data, origin, 1)));
    }

    @Override
    public Future<Map<String, String>> fence(String streamId, String writer) {
        return queued(streamId, () -> caches.run(connection, c -> writes.fence(c, streamId, writer, 1)));
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
        return queued(streamId, () -> caches.run(connection, c -> writes.complete(c, streamId, 1)));
    }

    @Override
    public Future<Boolean> isComplete(String streamId) {
        return caches.run(connection, c -> c.streams().getAsync(streamId)).map(h -> h != null && h.complete());
    }

    @Override
    public AutoCloseable subscribe(String streamId, Consumer<StoredEvent> listener) {
        Subscribers[] made = new Subscribers[1];
        subscribers.compute(streamId, (id, s) -> {
            if (s == null) {
                s = new Subscribers();
                made[0] = s;
            }
            s.listeners.add(listener);
            return s;
        });
        if (made[0] != null) {
            Subscribers subs = made[0];
            boolean live;
            synchronized (subs) {
                // A listener that already hears the stream delivers from its next change on; otherwise
                // the stream is read back once one does (settle).
                subs.live = listeners.covers(streamId);
                live = subs.live;
            }
            listeners.tailedStreamsChanged();
            if (!live) {
                pollUncovered(streamId, subs);
            }
        }
        if (!connection.connected()) {
            connect().onFailure(t -> LOG.warnf("Subscription to stream %s may miss events: %s", streamId, t.getMessage()));
        }
        return () -> {
            boolean[] last = {false};
            subscribers.computeIfPresent(streamId, (id, s) -> {
                s.listeners.remove(listener);
                last[0] = s.listeners.isEmpty();
                return last[0] ? null : s;
            });
            if (last[0]) {
                listeners.tailedStreamsChanged();
            }
        };
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

    /**
     * Until a listener covers a new subscription's stream (registering one may take a while, e.g.
     * on a replica that just started), reads the stream from the log every
     * {@link #UNCOVERED_POLL_MILLIS} and hands out what is new, so its subscribers do not wait for
     * the listener.
     */
    private void pollUncovered(String streamId, Subscribers subs) {
        caches.vertx().setTimer(UNCOVERED_POLL_MILLIS, id -> {
            long after;
            synchronized (subs) {
                if (subs.live || subscribers.get(streamId) != subs) {
                    return;
                }
                after = Math.max(0, subs.delivered);
            }
            readAfter(streamId, after).onComplete(ar -> {
                synchronized (subs) {
                    if (ar.succeeded() && !subs.live && subscribers.get(streamId) == subs) {
                        for (StoredEvent e : ar.result()) {
                            if (e.seq() > subs.delivered) {
                                subs.delivered = e.seq();
                                deliver(streamId, subs, e);
                            }
                        }
                    }
                }
                pollUncovered(streamId, subs);
            });
        });
    }

    /** Every subscribed stream that a listener covers now and that is not yet live catches up. */
    private void settleAll() {
        subscribers.forEach((streamId, subs) -> {
            if (!listeners.covers(streamId)) {
                synchronized (subs) {
                    // Its listener is gone (it had been left out of the last set): catch up when covered again.
                    subs.live = false;
                }
            } else {
                settle(streamId, subs);
            }
        });
    }

    /**
     * Once a listener covers the stream, reads back what was appended since the last event handed
     * out (for a new subscription: every retained event, since no read can tell which were appended
     * before the subscription was made), hands it out with the listener events held meanwhile, in
     * order, and lets the listener deliver directly from then on.
     */
    private void settle(String streamId, Subscribers subs) {
        long after;
        synchronized (subs) {
            if (subs.live || subs.settling || !listeners.covers(streamId)) {
                return;
            }
            subs.settling = true;
            after = Math.max(0, subs.delivered);
        }
        readAfter(streamId, after).onComplete(ar -> {
            synchronized (subs) {
                subs.settling = false;
                if (ar.failed()) {
                    LOG.debugf("Could not read back stream %s yet: %s", streamId, ar.cause().getMessage());
                    caches.vertx().setTimer(READ_BACK_RETRY_MILLIS, id -> settle(streamId, subs));
                    return;
                }
                if (!listeners.covers(streamId) || subscribers.get(streamId) != subs) {
                    return;
                }
                List<StoredEvent> events = new ArrayList<>(ar.result());
                events.addAll(subs.held);
                subs.held.clear();
                events.sort(Comparator.comparingLong(StoredEvent::seq));
                for (StoredEvent e : events) {
                    if (e.seq() > subs.delivered) {
                        subs.delivered = e.seq();
                        deliver(streamId, subs, e);
                    }
                }
                subs.live = true;
            }
        });
    }

    /** Hands a head change to this process's subscribers of that stream, in order and once. */
    private void changed(String streamId, StreamHead head, boolean created) {
        Subscribers subs = subscribers.get(streamId);
        if (subs == null || head == null) {
            return;
        }
        synchronized (subs) {
            if (created && head.lastSeq() == 0) {
                // Opened (again, after a removal the filtered listener does not hear): numbering starts over.
                subs.delivered = 0;
                subs.held.clear();
                return;
            }
            if (head.lastData() == null || head.lastSeq() <= subs.delivered) {
                return;
            }
            StoredEvent event = new StoredEvent(streamId, head.lastSeq(), head.lastData());
            if (!subs.live) {
                subs.held.add(event);
                if (subs.held.size() > maxEvents) {
                    // The log keeps no more than this either; reading back covers the rest.
                    subs.held.remove(0);
                }
                return;
            }
            subs.delivered = head.lastSeq();
            // Under the lock: two listeners (while they overlap) must not interleave a stream's events.
            deliver(streamId, subs, event);
        }
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

    private void catchUp() {
        subscribers.forEach((streamId, subs) -> {
            long after;
            synchronized (subs) {
                if (!subs.live) {
                    // It catches up when it settles.
                    return;
                }
                after = Math.max(0, subs.delivered);
            }
            readAfter(streamId, after).onSuccess(events -> {
                synchronized (subs) {
                    for (StoredEvent e : events) {
                        if (e.seq() > subs.delivered) {
                            subs.delivered = e.seq();
                            deliver(streamId, subs, e);
                        }
                    }
                }
            });
        });
    }

    /** Head changes the listeners of this process have received. */
    long headEventsReceived() {
        return listeners.headEventsReceived();
    }

    /** Listeners this process has registered. */
    long listenerRegistrations() {
        return listeners.listenerRegistrations();
    }

    /** The streams the registered listener hears: null for all, empty when there is no listener. */
    Set<String> listenedStreams() {
        return listeners.listenedStreams();
    }
}
