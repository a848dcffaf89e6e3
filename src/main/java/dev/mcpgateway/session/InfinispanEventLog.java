package dev.mcpgateway.session;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
import org.infinispan.client.hotrod.event.ClientEvent;
import org.infinispan.client.hotrod.event.ClientEvents;
import org.infinispan.client.hotrod.exceptions.HotRodClientException;
import org.infinispan.client.hotrod.exceptions.HotRodTimeoutException;
import org.infinispan.client.hotrod.exceptions.TransportException;
import org.infinispan.client.hotrod.filter.Filters;
import org.infinispan.query.remote.client.FilterResult;
import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Event logs in Infinispan, shared by every replica.
 *
 * <p>Each stream has a head in {@code mcp-streams} (stream id, owner session, newest sequence number,
 * complete flag, and the newest event's data) and its retained events in {@code mcp-events} under
 * their event ids ({@code <stream>:<seq>}). An append replaces the head with a versioned replace,
 * which hands out the next sequence number even when two writers race, then stores the event and
 * drops the one that fell out of the bound. Heads and events expire after the session idle timeout
 * without use (an event that nobody reads for that long expires too); {@link #keepAlive()} keeps the
 * streams that have subscribers alive.
 *
 * <p>Live delivery follows the heads: a Hot Rod client listener receives the head changes (newest
 * event included) of the streams this process has subscribers for, and hands them to those
 * subscribers. The listener is filtered on the server with an Ickle query on the head's stream id
 * ({@code FROM mcpgateway.StreamHead WHERE stream_id LIKE 'a' OR stream_id LIKE 'b' ...}, see
 * {@link #query(Set)}), so a replica neither receives nor decodes the appends of streams it does not
 * tail. When the set of tailed streams changes, a listener for the new set is registered (changes
 * within {@link #REGISTER_DEBOUNCE_MILLIS} cost one registration) before the old one is removed;
 * with no subscribers there is no listener. A stream that no listener heard yet when it was
 * subscribed to is read back from the log once one does, so nothing appended in between is lost; its
 * listener events wait until then, so order holds. That read-back hands out the stream's retained
 * events from the first (no read can tell which were appended before the subscription was made: a
 * read of the head may be served after appends that followed the subscription), so such a
 * subscriber may also receive events appended before it subscribed; every caller already drops
 * events at or below its own position by sequence number. Above {@link #DEFAULT_MAX_FILTERED_STREAMS} tailed streams (a bound on the query's size),
 * or while the servers refuse the query (one that does not know the schema), the process uses one
 * unfiltered listener that receives every head change, as before filtering existed.
 *
 * <p>Changes of one key reach a listener in the order they were made, so subscribers see a stream's
 * events in sequence order, wherever they were appended; while two listeners overlap, the per-stream
 * sequence number drops the duplicates. When a listener fails over to another server, the events it
 * may have missed meanwhile are read back from the log.
 *
 * <p>Heads written by a gateway older than the {@code stream_id} field lack it and do not match the
 * filter: in a cluster that mixes such replicas with this one (a rolling upgrade), an event appended
 * by an old replica reaches this replica's subscribers only after this replica's next append to the
 * same stream, or not at all; upgrade every replica together.
 */
final class InfinispanEventLog implements EventLog {

    private static final Logger LOG = Logger.getLogger(InfinispanEventLog.class);

    /** When to read back missed events after the listener failed over. */
    private static final long[] CATCH_UP_DELAYS_MILLIS = {500, 2000, 6000, 15000};

    /** How often the Hot Rod client tries to register a listener again after it lost its server. */
    private static final long CLIENT_RECONNECT_MILLIS = 5000;

    /** Versioned-replace attempts before an append gives up (only concurrent writers conflict). */
    private static final int MAX_ATTEMPTS = 16;

    /**
     * Most streams one filtered listener names in its query; above it the process listens to every
     * head change instead (a query with thousands of ids costs the servers more on every write than
     * the unfiltered events cost this process).
     */
    static final int DEFAULT_MAX_FILTERED_STREAMS = 500;

    /** How long changes to the set of tailed streams are collected before one registration. */
    static final long REGISTER_DEBOUNCE_MILLIS = 25;

    /** After a failed registration, when to try again. */
    private static final long REGISTER_RETRY_MILLIS = 1000;

    /** After the servers refused the query filter, how long to listen unfiltered before trying it again. */
    private static final long FILTER_RETRY_MILLIS = 60_000;

    /** The Protobuf type of a head, as the query names it. */
    private static final String HEAD_TYPE = "mcpgateway.StreamHead";

    /** The stored head of a stream; {@code lastData} is the newest event's data (null after complete). */
    record StreamHead(String streamId, String sessionId, long lastSeq, boolean complete, String lastData) {
    }

    /** The two caches of the log. */
    private record Caches(RemoteCache<String, StreamHead> streams, RemoteCache<String, String> events) {
    }

    /**
     * The listener registered now and the streams it hears: {@code streams} null means every stream
     * (the unfiltered listener), empty means none (no listener).
     */
    private record Coverage(Object listener, Set<String> streams) {
        static final Coverage NONE = new Coverage(null, Set.of());

        boolean covers(String streamId) {
            return listener != null && (streams == null || streams.contains(streamId));
        }

        boolean all() {
            return listener != null && streams == null;
        }
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
    private final int maxFilteredStreams;
    private final Map<String, Subscribers> subscribers = new ConcurrentHashMap<>();
    /** The last queued operation per stream: appends and completions of one stream run one after another. */
    private final Map<String, Future<?>> queues = new ConcurrentHashMap<>();

    private volatile Coverage coverage = Coverage.NONE;
    /** Guards the registration state: the five fields below. */
    private final Object registration = new Object();
    /** A registration is scheduled or running. */
    private boolean registering;
    /** The set of tailed streams changed since the running registration took its snapshot. */
    private boolean changedSinceRegistering;
    /** When the servers last refused the query filter (0: never): listen unfiltered for a while. */
    private long filterRefusedAt;
    /** A listener failed over and the schema is being offered again until the servers take it. */
    private boolean restoringSchema;
    /** Registrations failed one after the other (logged once at WARN, then at DEBUG until one succeeds). */
    private int failedRegistrations;

    /** Head changes the listeners received (for tests: what filtering saves). */
    private final AtomicLong headEventsReceived = new AtomicLong();
    /** Listener registrations made (for tests: what debouncing saves). */
    private final AtomicLong registrations = new AtomicLong();

    InfinispanEventLog(Supplier<RemoteCacheManager> manager, Vertx vertx, int maxEventsPerStream, Duration idleTimeout,
            Duration operationTimeout) {
        this(manager, vertx, maxEventsPerStream, idleTimeout, operationTimeout, DEFAULT_MAX_FILTERED_STREAMS);
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
        this.maxFilteredStreams = Math.max(0, maxFilteredStreams);
        this.connection = caches.connection("event log", () -> new Caches(caches.cacheBlocking(InfinispanCaches.STREAMS),
                caches.cacheBlocking(InfinispanCaches.EVENTS)));
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
        return queued(streamId, () -> caches.run(connection, c -> append(c, streamId, data, 1)));
    }

    private CompletionStage<Long> append(Caches c, String streamId, String data, int attempt) {
        return c.streams().getWithMetadataAsync(streamId).thenCompose(current -> {
            if (current == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("unknown stream " + streamId));
            }
            StreamHead head = current.getValue();
            long seq = head.lastSeq() + 1;
            StreamHead next = new StreamHead(streamId, head.sessionId(), seq, head.complete(), data);
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
            StreamHead done = new StreamHead(streamId, head.sessionId(), head.lastSeq(), true, null);
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
            synchronized (subs) {
                // A listener that already hears the stream delivers from its next change on; otherwise
                // the stream is read back once one does (settle).
                subs.live = coverage.covers(streamId);
            }
            tailedStreamsChanged();
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
                tailedStreamsChanged();
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
     * The set of streams with subscribers changed: register a listener for the new set soon (the
     * changes of the next few milliseconds with it), unless a registration is already on its way.
     */
    private void tailedStreamsChanged() {
        synchronized (registration) {
            changedSinceRegistering = true;
            if (registering) {
                return;
            }
            registering = true;
        }
        caches.vertx().setTimer(REGISTER_DEBOUNCE_MILLIS, id -> register());
    }

    /** Registers the listener the tailed streams need, one registration at a time. */
    private void register() {
        Set<String> wanted;
        synchronized (registration) {
            changedSinceRegistering = false;
            wanted = Set.copyOf(subscribers.keySet());
        }
        connection.get()
                .thenCompose(c -> caches.vertx().executeBlocking(() -> listen(c, wanted), false).toCompletionStage())
                .whenComplete((v, t) -> {
                    int failures;
                    synchronized (registration) {
                        failedRegistrations = t == null ? 0 : failedRegistrations + 1;
                        failures = failedRegistrations;
                    }
                    if (t != null) {
                        LOG.logf(failures == 1 ? Logger.Level.WARN : Logger.Level.DEBUG,
                                "Could not register the listener on %s (trying again every %d ms): %s",
                                InfinispanCaches.STREAMS, REGISTER_RETRY_MILLIS, t.getMessage());
                    }
                    settleAll();
                    boolean again;
                    synchronized (registration) {
                        again = t != null || changedSinceRegistering;
                        registering = again;
                    }
                    if (again) {
                        caches.vertx().setTimer(t != null ? REGISTER_RETRY_MILLIS : REGISTER_DEBOUNCE_MILLIS,
                                id -> register());
                    }
                });
    }

    /**
     * Makes the registered listener cover {@code wanted}: adds the new listener, then removes the old
     * one, so a stream in both sets is heard throughout. Blocking: workers only.
     */
    private Void listen(Caches c, Set<String> wanted) {
        Coverage current = coverage;
        // The registered unfiltered listener, which may stay.
        Coverage unfiltered = current.all() ? current : null;
        Coverage next;
        boolean refused;
        synchronized (registration) {
            refused = filterRefusedAt != 0 && System.currentTimeMillis() - filterRefusedAt < FILTER_RETRY_MILLIS;
        }
        if (wanted.isEmpty()) {
            next = Coverage.NONE;
        } else if (wanted.size() > maxFilteredStreams || refused) {
            next = unfiltered != null ? unfiltered : unfiltered(c);
        } else if (!current.all() && wanted.equals(current.streams())) {
            next = current;
        } else {
            next = filtered(c, wanted, unfiltered);
        }
        if (next != current) {
            coverage = next;
            if (current.listener() instanceof Listener old && old != next.listener()) {
                old.retired = true;
                remove(c, old);
            }
        }
        return null;
    }

    private static void remove(Caches c, Listener listener) {
        try {
            c.streams().removeClientListener(listener);
        } catch (RuntimeException e) {
            LOG.debugf("Could not remove a listener from %s: %s", InfinispanCaches.STREAMS, e.getMessage());
        }
    }

    /**
     * A listener that was replaced heard a change: it is registered still (the client registered it
     * again after a failover, which a removal meanwhile does not stop), so remove it again.
     */
    private void removeRetired(Listener listener) {
        if (!listener.removing.compareAndSet(false, true)) {
            return;
        }
        connection.get().thenAccept(c -> caches.vertx().executeBlocking(() -> {
            remove(c, listener);
            return null;
        }, false).onComplete(ar -> listener.removing.set(false)));
    }

    private Coverage unfiltered(Caches c) {
        HeadListener listener = new HeadListener(c.streams().getDataFormat());
        c.streams().addClientListener(listener, null, new Object[]{Boolean.TRUE});
        registrations.incrementAndGet();
        return new Coverage(listener, null);
    }

    /** @param unfiltered the registered unfiltered listener, kept if the servers refuse the filter; or null */
    private Coverage filtered(Caches c, Set<String> streams, Coverage unfiltered) {
        FilteredHeadListener listener = new FilteredHeadListener(c.streams().getDataFormat());
        try {
            ClientEvents.addClientQueryListener(c.streams(), listener, c.streams().query(query(streams)));
        } catch (HotRodClientException e) {
            if (e instanceof TransportException || e instanceof HotRodTimeoutException) {
                throw e;
            }
            // The server cannot run the query (typically: it does not know the schema, after the whole
            // cluster restarted): offer the schema again and listen to everything meanwhile.
            synchronized (registration) {
                filterRefusedAt = System.currentTimeMillis();
            }
            LOG.warnf("The servers refused a filtered listener on %s, so this process receives every stream's appends"
                    + " for the next %d s: %s", InfinispanCaches.STREAMS, FILTER_RETRY_MILLIS / 1000, e.getMessage());
            caches.offerSchemaAgain();
            return unfiltered != null ? unfiltered : unfiltered(c);
        }
        registrations.incrementAndGet();
        return new Coverage(listener, streams);
    }

    /**
     * The Ickle query that matches the heads of {@code streams}: one {@code LIKE} per stream, not
     * {@code stream_id IN (...)}. Infinispan 16.0 keeps equality predicates of all filters of a
     * cache in one interval tree, and a filter can no longer be removed once that tree holds more than
     * a few values (the server answers "Reached an invalid state" from
     * {@code Predicates.removePredicateSubscription}, and keeps the filter); {@code LIKE} predicates
     * are kept in a list and removed cleanly. Characters that LIKE or the string literal would read
     * specially ({@code % _ \ '}) become the one-character wildcard {@code _}: a pattern may then
     * match another stream's id too, whose changes this process drops; it never misses its own.
     */
    static String query(Set<String> streams) {
        StringBuilder q = new StringBuilder("FROM ").append(HEAD_TYPE).append(" WHERE ");
        boolean first = true;
        for (String id : streams) {
            if (!first) {
                q.append(" OR ");
            }
            first = false;
            q.append("stream_id LIKE '");
            for (int i = 0; i < id.length(); i++) {
                char ch = id.charAt(i);
                q.append(ch == '%' || ch == '_' || ch == '\\' || ch == '\'' ? '_' : ch);
            }
            q.append('\'');
        }
        return q.toString();
    }

    /** Every subscribed stream that a listener covers now and that is not yet live catches up. */
    private void settleAll() {
        Coverage now = coverage;
        subscribers.forEach((streamId, subs) -> {
            if (!now.covers(streamId)) {
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
            if (subs.live || subs.settling || !coverage.covers(streamId)) {
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
                    caches.vertx().setTimer(REGISTER_RETRY_MILLIS, id -> settle(streamId, subs));
                    return;
                }
                if (!coverage.covers(streamId) || subscribers.get(streamId) != subs) {
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

    /**
     * The listener lost its server and is being registered on another one (or, when the whole
     * cluster is down, again and again until it returns). Events appended meanwhile never reach
     * it, so read them back from the log, a few times while the listener comes back.
     *
     * <p>The client registers the same listener again every {@link #CLIENT_RECONNECT_MILLIS} until
     * that works (and goes on even after the listener is removed, so replacing it would leave two).
     * A filtered listener needs the schema on the servers, which a cluster that restarted whole has
     * forgotten: offer it until they take it, then read back again over the next reconnections.
     */
    private void failedOver() {
        for (long delay : CATCH_UP_DELAYS_MILLIS) {
            caches.vertx().setTimer(delay, id -> catchUp());
        }
        synchronized (registration) {
            if (restoringSchema) {
                return;
            }
            restoringSchema = true;
        }
        restoreSchema(0);
    }

    private void restoreSchema(int attempt) {
        caches.vertx().executeBlocking(caches::offerSchemaAgain, false).onComplete(ar -> {
            if (ar.succeeded() && ar.result()) {
                synchronized (registration) {
                    restoringSchema = false;
                }
                for (long delay = 1000; delay <= 2 * CLIENT_RECONNECT_MILLIS + 1000; delay += CLIENT_RECONNECT_MILLIS) {
                    caches.vertx().setTimer(delay, id -> catchUp());
                }
                return;
            }
            long retry = Math.min(REGISTER_RETRY_MILLIS << Math.min(attempt, 5), 30_000);
            caches.vertx().setTimer(retry, id -> restoreSchema(attempt + 1));
        });
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
        return headEventsReceived.get();
    }

    /** Listeners this process has registered. */
    long listenerRegistrations() {
        return registrations.get();
    }

    /** The streams the registered listener hears: null for all, empty when there is no listener. */
    Set<String> listenedStreams() {
        return coverage.streams();
    }

    /** What both listeners share: once replaced, a listener ignores what it hears and removes itself. */
    private abstract static class Listener {
        volatile boolean retired;
        final AtomicBoolean removing = new AtomicBoolean();
    }

    /**
     * Receives every change of every stream head with the new head, through the server-side
     * converter {@code ___eager-key-value-version-converter}: [len][key][len][value][version]. Used
     * when this process tails more streams than a filter names, or the servers refuse the filter.
     */
    @ClientListener(converterFactoryName = "___eager-key-value-version-converter", useRawData = true)
    final class HeadListener extends Listener {
        private final DataFormat format;

        HeadListener(DataFormat format) {
            this.format = format;
        }

        @ClientCacheEntryCreated
        @ClientCacheEntryModified
        public void onChange(ClientCacheEntryCustomEvent<byte[]> event) {
            headEventsReceived.incrementAndGet();
            if (retired) {
                removeRetired(this);
                return;
            }
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                String streamId = format.keyToObj(InfinispanSessionStore.element(data), null);
                if (!subscribers.containsKey(streamId)) {
                    return;
                }
                byte[] value = InfinispanSessionStore.element(data);
                changed(streamId, value == null ? null : format.valueToObj(value, null),
                        event.getType() == ClientEvent.Type.CLIENT_CACHE_ENTRY_CREATED);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a change of %s", InfinispanCaches.STREAMS);
            }
        }

        @ClientCacheEntryRemoved
        @ClientCacheEntryExpired
        public void onEnd(ClientCacheEntryCustomEvent<byte[]> event) {
            headEventsReceived.incrementAndGet();
            if (retired) {
                removeRetired(this);
                return;
            }
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                ended(format.keyToObj(InfinispanSessionStore.element(data), null));
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a removal of %s", InfinispanCaches.STREAMS);
            }
        }

        @ClientCacheFailover
        public void onFailover(ClientCacheFailoverEvent event) {
            if (retired) {
                return;
            }
            LOG.infof("The listener on %s failed over; replaying what subscribers may have missed", InfinispanCaches.STREAMS);
            failedOver();
        }
    }

    /**
     * Receives the changes of the heads its query matches, through the server's query filter and
     * converter: each event is a {@link FilterResult} holding the new head (which names its stream).
     * The query filter sees new values only, so removals never arrive (expiries do); a stream opened
     * again under the same id is recognised by its creation.
     */
    @ClientListener(filterFactoryName = Filters.QUERY_DSL_FILTER_FACTORY_NAME, converterFactoryName = Filters.QUERY_DSL_FILTER_FACTORY_NAME, useRawData = true)
    final class FilteredHeadListener extends Listener {
        private final DataFormat format;

        FilteredHeadListener(DataFormat format) {
            this.format = format;
        }

        @ClientCacheEntryCreated
        @ClientCacheEntryModified
        @ClientCacheEntryExpired
        public void onChange(ClientCacheEntryCustomEvent<byte[]> event) {
            headEventsReceived.incrementAndGet();
            if (retired) {
                removeRetired(this);
                return;
            }
            try {
                StreamHead head = head(event.getEventData());
                if (head == null || head.streamId() == null) {
                    return;
                }
                if (event.getType() == ClientEvent.Type.CLIENT_CACHE_ENTRY_EXPIRED) {
                    ended(head.streamId());
                } else {
                    changed(head.streamId(), head, event.getType() == ClientEvent.Type.CLIENT_CACHE_ENTRY_CREATED);
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a change of %s", InfinispanCaches.STREAMS);
            }
        }

        private StreamHead head(byte[] eventData) {
            Object result = format.valueToObj(eventData, null);
            if (result instanceof FilterResult filtered && filtered.getInstance() instanceof byte[] instance) {
                return format.valueToObj(instance, null);
            }
            if (result instanceof FilterResult filtered && filtered.getInstance() instanceof StreamHead head) {
                return head;
            }
            return null;
        }

        @ClientCacheFailover
        public void onFailover(ClientCacheFailoverEvent event) {
            if (retired) {
                return;
            }
            LOG.infof("The listener on %s failed over; replaying what subscribers may have missed", InfinispanCaches.STREAMS);
            failedOver();
        }
    }
}
