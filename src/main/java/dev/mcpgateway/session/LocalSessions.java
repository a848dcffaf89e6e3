package dev.mcpgateway.session;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A replica's bounded local copy of sessions read from Infinispan, so serving a request needs no
 * round trip. The Infinispan store drops a copy when the cache reports the entry modified, removed
 * or expired, and all of them when its listener fails over (events may have been missed). The least
 * recently used copies go first beyond {@code maxEntries}; 0 keeps none.
 *
 * <p>An answer read from the server is kept only if nothing was invalidated while it travelled: a
 * read racing with a change elsewhere could otherwise keep the old value after the change's event
 * was handled, and nothing would drop it.
 */
final class LocalSessions {

    /**
     * One copy.
     *
     * @param version the entry's Infinispan version, for a conditional refresh
     * @param writtenAt when the entry was last written (server clock, epoch millis)
     * @param expiresAt when the entry's lifespan ends (epoch millis): the copy is not used after it
     */
    record Copy(GatewaySession session, long version, long writtenAt, long expiresAt) {
    }

    private final int maxEntries;
    private final LinkedHashMap<String, Copy> copies;
    /** False while events may be missed (the listener is not registered): no copies then. Guarded by {@code this}. */
    private boolean trusted = true;
    /** How often {@link #distrust} was called. Guarded by {@code this}. */
    private long distrusts;
    /** Counts invalidations; a read records it before asking the server. Guarded by {@code this}. */
    private long invalidations;

    LocalSessions(int maxEntries) {
        this.maxEntries = Math.max(0, maxEntries);
        this.copies = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Copy> eldest) {
                return size() > LocalSessions.this.maxEntries;
            }
        };
    }

    /** The copy of a session, or null when there is none or its lifespan has ended at {@code now}. */
    synchronized Copy get(String id, long now) {
        Copy c = trusted ? copies.get(id) : null;
        if (c != null && now >= c.expiresAt()) {
            copies.remove(id);
            return null;
        }
        return c;
    }

    /** What to pass to {@link #keep} for a read that starts now. */
    synchronized long stamp() {
        return invalidations;
    }

    /** Keeps a copy read from the server, unless something was invalidated since {@code stamp}. */
    synchronized void keep(String id, Copy copy, long stamp) {
        if (maxEntries > 0 && trusted && stamp == invalidations) {
            copies.put(id, copy);
        }
    }

    /** Drops the copy of one session, and makes reads in flight not keep theirs. */
    synchronized void invalidate(String id) {
        invalidations++;
        copies.remove(id);
    }

    /** Drops every copy. */
    synchronized void clear() {
        invalidations++;
        copies.clear();
    }

    /**
     * Drops every copy and keeps none until {@link #trust}: the events that would invalidate them
     * may be missed (the listener lost its server).
     */
    synchronized long distrust() {
        clear();
        trusted = false;
        return ++distrusts;
    }

    /** Keeps copies again (the listener hears again). */
    synchronized void trust() {
        clear();
        trusted = true;
    }

    /**
     * Keeps copies again unless {@link #distrust} was called since {@code distrusts} was read (the
     * listener lost its server again meanwhile); answers whether it trusts now.
     */
    synchronized boolean trust(long distrusts) {
        if (distrusts == this.distrusts) {
            trust();
        }
        return trusted;
    }

    synchronized long distrusts() {
        return distrusts;
    }

    synchronized boolean trusted() {
        return trusted;
    }

    synchronized int size() {
        return copies.size();
    }
}
