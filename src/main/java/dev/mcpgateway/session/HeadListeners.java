package dev.mcpgateway.session;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.DataFormat;
import org.infinispan.client.hotrod.RemoteCache;
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

import dev.mcpgateway.session.InfinispanEventLog.StreamHead;

/**
 * The Hot Rod client listeners through which an {@link InfinispanEventLog} hears the head changes
 * (newest event included) of the streams this process tails.
 *
 * <p>The listener is filtered on the server with an Ickle query on the head's stream id
 * ({@code FROM mcpgateway.StreamHead WHERE stream_id LIKE 'a' OR stream_id LIKE 'b' ...}, see
 * {@link #query(Set)}), so a replica neither receives nor decodes the appends of streams it does not
 * tail. When the set of tailed streams changes, a listener for the new set is registered (changes
 * within {@link #REGISTER_DEBOUNCE_MILLIS} cost one registration) before the old one is removed;
 * with no subscribers there is no listener. Above {@link #DEFAULT_MAX_FILTERED_STREAMS} tailed
 * streams (a bound on the query's size), or while the servers refuse the query (one that does not
 * know the schema), the process uses one unfiltered listener that receives every head change, as
 * before filtering existed.
 *
 * <p>When a listener fails over to another server, the log is asked a few times to read back what
 * it may have missed meanwhile, and the schema the filter needs is offered again.
 *
 * <p>Heads written by a gateway older than the {@code stream_id} field lack it and do not match the
 * filter: in a cluster that mixes such replicas with this one (a rolling upgrade), an event appended
 * by an old replica reaches this replica's subscribers only after this replica's next append to the
 * same stream, or not at all; upgrade every replica together.
 */
final class HeadListeners {

    private static final Logger LOG = Logger.getLogger(HeadListeners.class);

    /** When to read back missed events after the listener failed over. */
    private static final long[] CATCH_UP_DELAYS_MILLIS = {500, 2000, 6000, 15000};

    /** How often the Hot Rod client tries to register a listener again after it lost its server. */
    private static final long CLIENT_RECONNECT_MILLIS = 5000;

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

    /** What the listeners ask of the event log and tell it. */
    interface Receiver {
        /** The streams with subscribers on this process now (a copy). */
        Set<String> tailed();

        /** Whether {@code streamId} has subscribers on this process. */
        boolean tails(String streamId);

        /** The head of a stream changed; {@code created}: the head was made (the stream opened). */
        void changed(String streamId, StreamHead head, boolean created);

        /** A stream was removed or expired. */
        void ended(String streamId);

        /** A registration ended (well or not): the streams the listeners cover may have changed. */
        void coverageChanged();

        /** A listener failed over: read back what it may have missed. */
        void catchUp();
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

    private final InfinispanCaches caches;
    private final Supplier<CompletableFuture<RemoteCache<String, StreamHead>>> streams;
    private final int maxFilteredStreams;
    private final Receiver receiver;

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

    /**
     * @param streams the heads cache, connecting first when needed
     * @param maxFilteredStreams most streams a filtered listener names; above it (0: always) the
     *        process listens to every head change
     */
    HeadListeners(InfinispanCaches caches, Supplier<CompletableFuture<RemoteCache<String, StreamHead>>> streams,
            int maxFilteredStreams, Receiver receiver) {
        this.caches = caches;
        this.streams = streams;
        this.maxFilteredStreams = Math.max(0, maxFilteredStreams);
        this.receiver = receiver;
    }

    /** Whether a registered listener hears {@code streamId} now. */
    boolean covers(String streamId) {
        return coverage.covers(streamId);
    }

    /**
     * The set of streams with subscribers changed: register a listener for the new set soon (the
     * changes of the next few milliseconds with it), unless a registration is already on its way.
     */
    void tailedStreamsChanged() {
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
            wanted = receiver.tailed();
        }
        streams.get()
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
                    receiver.coverageChanged();
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
    private Void listen(RemoteCache<String, StreamHead> c, Set<String> wanted) {
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

    private static void remove(RemoteCache<String, StreamHead> c, Listener listener) {
        try {
            c.removeClientListener(listener);
        } catch (RuntimeException e) {
            LOG.debugf("Could not remove a listener from %s: %s", InfinispanCaches.STREAMS, e.getMessage());
        }
    }

    private Coverage unfiltered(RemoteCache<String, StreamHead> c) {
        HeadListener listener = new HeadListener(c.getDataFormat());
        c.addClientListener(listener, null, new Object[]{Boolean.TRUE});
        registrations.incrementAndGet();
        return new Coverage(listener, null);
    }

    /** @param unfiltered the registered unfiltered listener, kept if the servers refuse the filter; or null */
    private Coverage filtered(RemoteCache<String, StreamHead> c, Set<String> streams, Coverage unfiltered) {
        FilteredHeadListener listener = new FilteredHeadListener(c.getDataFormat());
        try {
            ClientEvents.addClientQueryListener(c, listener, c.query(query(streams)));
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

    /**
     * The listener lost its server and is being registered on another one (or, when the whole
     * cluster is down, again and again until it returns). Events appended meanwhile never reach
     * it, so the log reads them back, a few times while the listener comes back.
     *
     * <p>The client registers the same listener again every {@link #CLIENT_RECONNECT_MILLIS} until
     * that works (and goes on even after the listener is removed, so replacing it would leave two).
     * A filtered listener needs the schema on the servers, which a cluster that restarted whole has
     * forgotten: offer it until they take it, then read back again over the next reconnections.
     */
    private void failedOver() {
        LOG.infof("The listener on %s failed over; replaying what subscribers may have missed", InfinispanCaches.STREAMS);
        for (long delay : CATCH_UP_DELAYS_MILLIS) {
            caches.vertx().setTimer(delay, id -> receiver.catchUp());
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
                    caches.vertx().setTimer(delay, id -> receiver.catchUp());
                }
                return;
            }
            long retry = Math.min(REGISTER_RETRY_MILLIS << Math.min(attempt, 5), 30_000);
            caches.vertx().setTimer(retry, id -> restoreSchema(attempt + 1));
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
     * Counts an event a listener heard; false when the listener was replaced. A replaced listener that
     * hears is registered still (the client registered it again after a failover, which a removal
     * meanwhile does not stop), so it is removed again.
     */
    private boolean heard(Listener listener) {
        headEventsReceived.incrementAndGet();
        if (!listener.retired) {
            return true;
        }
        if (listener.removing.compareAndSet(false, true)) {
            streams.get().thenAccept(c -> caches.vertx().executeBlocking(() -> {
                remove(c, listener);
                return null;
            }, false).onComplete(ar -> listener.removing.set(false)));
        }
        return false;
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
            if (!heard(this)) {
                return;
            }
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                String streamId = format.keyToObj(InfinispanSessionStore.element(data), null);
                if (!receiver.tails(streamId)) {
                    return;
                }
                byte[] value = InfinispanSessionStore.element(data);
                receiver.changed(streamId, value == null ? null : format.valueToObj(value, null),
                        event.getType() == ClientEvent.Type.CLIENT_CACHE_ENTRY_CREATED);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a change of %s", InfinispanCaches.STREAMS);
            }
        }

        @ClientCacheEntryRemoved
        @ClientCacheEntryExpired
        public void onEnd(ClientCacheEntryCustomEvent<byte[]> event) {
            if (!heard(this)) {
                return;
            }
            try {
                ByteBuffer data = ByteBuffer.wrap(event.getEventData());
                receiver.ended(format.keyToObj(InfinispanSessionStore.element(data), null));
            } catch (RuntimeException e) {
                LOG.warnf(e, "Could not read a removal of %s", InfinispanCaches.STREAMS);
            }
        }

        @ClientCacheFailover
        public void onFailover(ClientCacheFailoverEvent event) {
            if (retired) {
                return;
            }
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
            if (!heard(this)) {
                return;
            }
            try {
                StreamHead head = head(event.getEventData());
                if (head == null || head.streamId() == null) {
                    return;
                }
                if (event.getType() == ClientEvent.Type.CLIENT_CACHE_ENTRY_EXPIRED) {
                    receiver.ended(head.streamId());
                } else {
                    receiver.changed(head.streamId(), head, event.getType() == ClientEvent.Type.CLIENT_CACHE_ENTRY_CREATED);
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
            failedOver();
        }
    }
}
