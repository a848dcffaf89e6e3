package dev.mcpgateway.session;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import io.vertx.core.Future;

/** Sessions in this process only: the default for one gateway, dev mode and tests. */
public final class InMemorySessionStore implements SessionStore {

    private static final Logger LOG = Logger.getLogger(InMemorySessionStore.class);

    private static final class Entry {
        final GatewaySession session;
        volatile long lastAccess;

        Entry(GatewaySession session, long now) {
            this.session = session;
            this.lastAccess = now;
        }
    }

    private final Map<String, Entry> sessions = new ConcurrentHashMap<>();
    private final List<Consumer<GatewaySession>> expiryListeners = new CopyOnWriteArrayList<>();
    private final long idleMillis;
    private final LongSupplier clock;

    public InMemorySessionStore(Duration idleTimeout) {
        this(idleTimeout, System::currentTimeMillis);
    }

    InMemorySessionStore(Duration idleTimeout, LongSupplier clock) {
        this.idleMillis = idleTimeout.toMillis();
        this.clock = clock;
    }

    @Override
    public Future<GatewaySession> get(String id) {
        Entry e = sessions.get(id);
        if (e == null) {
            return Future.succeededFuture();
        }
        long now = clock.getAsLong();
        if (now - e.lastAccess > idleMillis) {
            expire(id, e);
            return Future.succeededFuture();
        }
        e.lastAccess = now;
        return Future.succeededFuture(e.session);
    }

    @Override
    public Future<Void> put(GatewaySession session) {
        sessions.put(session.id(), new Entry(session, clock.getAsLong()));
        return Future.succeededFuture();
    }

    @Override
    public Future<Boolean> replace(GatewaySession session) {
        long now = clock.getAsLong();
        Entry replaced = sessions.computeIfPresent(session.id(),
                (id, e) -> now - e.lastAccess > idleMillis ? e : new Entry(session, now));
        return Future.succeededFuture(replaced != null && replaced.session == session);
    }

    @Override
    public Future<GatewaySession> putIfAbsent(GatewaySession session) {
        long now = clock.getAsLong();
        Entry mine = new Entry(session, now);
        while (true) {
            Entry found = sessions.putIfAbsent(session.id(), mine);
            if (found == null) {
                return Future.succeededFuture();
            }
            if (now - found.lastAccess <= idleMillis) {
                found.lastAccess = now;
                return Future.succeededFuture(found.session);
            }
            expire(session.id(), found);
        }
    }

    @Override
    public Future<Boolean> exists(String id) {
        Entry e = sessions.get(id);
        return Future.succeededFuture(e != null && clock.getAsLong() - e.lastAccess <= idleMillis);
    }

    @Override
    public Future<GatewaySession> remove(String id) {
        Entry e = sessions.remove(id);
        return Future.succeededFuture(e == null ? null : e.session);
    }

    @Override
    public Future<List<Listed>> list(int max) {
        long now = clock.getAsLong();
        List<Listed> out = new java.util.ArrayList<>();
        for (Entry e : sessions.values()) {
            if (out.size() >= max) {
                break;
            }
            if (now - e.lastAccess <= idleMillis) {
                out.add(new Listed(e.session, e.lastAccess));
            }
        }
        return Future.succeededFuture(out);
    }

    @Override
    public long size() {
        return sessions.size();
    }

    @Override
    public void onExpiry(Consumer<GatewaySession> listener) {
        expiryListeners.add(listener);
    }

    /** Drops every idle session; run periodically. */
    public void sweep() {
        long now = clock.getAsLong();
        sessions.forEach((id, e) -> {
            if (now - e.lastAccess > idleMillis) {
                expire(id, e);
            }
        });
    }

    private void expire(String id, Entry e) {
        if (sessions.remove(id, e)) {
            LOG.debugf("Session %s expired after %d ms idle", id, idleMillis);
            for (Consumer<GatewaySession> l : expiryListeners) {
                try {
                    l.accept(e.session);
                } catch (RuntimeException ex) {
                    LOG.warnf(ex, "Expiry listener failed for session %s", id);
                }
            }
        }
    }
}
