package dev.mcpgateway.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import io.vertx.core.Future;

/** Event logs in this process only. Streams expire after the idle timeout without appends or reads. */
public final class InMemoryEventLog implements EventLog {

    private static final Logger LOG = Logger.getLogger(InMemoryEventLog.class);

    private static final class Stream {
        final String sessionId;
        final Deque<StoredEvent> events = new ArrayDeque<>();
        final List<Consumer<StoredEvent>> listeners = new CopyOnWriteArrayList<>();
        long lastSeq;
        boolean complete;
        String writer;
        final Map<String, String> positions = new LinkedHashMap<>();
        volatile long lastAccess;

        Stream(String sessionId, long now) {
            this.sessionId = sessionId;
            this.lastAccess = now;
        }
    }

    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    private final int maxEventsPerStream;
    private final long idleMillis;
    private final LongSupplier clock;

    public InMemoryEventLog(int maxEventsPerStream, long idleMillis) {
        this(maxEventsPerStream, idleMillis, System::currentTimeMillis);
    }

    InMemoryEventLog(int maxEventsPerStream, long idleMillis, LongSupplier clock) {
        this.maxEventsPerStream = maxEventsPerStream;
        this.idleMillis = idleMillis;
        this.clock = clock;
    }

    @Override
    public Future<Void> open(String streamId, String sessionId) {
        streams.putIfAbsent(streamId, new Stream(sessionId, clock.getAsLong()));
        return Future.succeededFuture();
    }

    @Override
    public Future<String> owner(String streamId) {
        Stream s = live(streamId);
        return Future.succeededFuture(s == null ? null : s.sessionId);
    }

    @Override
    public Future<Long> append(String streamId, String data) {
        return append(streamId, data, null);
    }

    @Override
    public Future<Long> append(String streamId, String data, Origin origin) {
        Stream s = live(streamId);
        if (s == null) {
            return Future.failedFuture(new IllegalStateException("unknown stream " + streamId));
        }
        StoredEvent event;
        synchronized (s) {
            if (origin != null) {
                if (!origin.writer().equals(s.writer)) {
                    return Future.failedFuture(new StreamFencedException(streamId));
                }
                if (origin.eventId() != null) {
                    s.positions.put(origin.source(), origin.eventId());
                }
            }
            event = new StoredEvent(streamId, ++s.lastSeq, data);
            s.events.addLast(event);
            while (s.events.size() > maxEventsPerStream) {
                s.events.removeFirst();
            }
        }
        for (Consumer<StoredEvent> l : s.listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Event listener of stream %s failed", streamId);
            }
        }
        return Future.succeededFuture(event.seq());
    }

    @Override
    public Future<Map<String, String>> fence(String streamId, String writer) {
        Stream s = live(streamId);
        if (s == null) {
            return Future.failedFuture(new IllegalStateException("unknown stream " + streamId));
        }
        synchronized (s) {
            s.writer = writer;
            return Future.succeededFuture(Map.copyOf(s.positions));
        }
    }

    @Override
    public Future<List<StoredEvent>> readAfter(String streamId, long afterSeq) {
        Stream s = live(streamId);
        if (s == null) {
            return Future.succeededFuture(List.of());
        }
        List<StoredEvent> out = new ArrayList<>();
        synchronized (s) {
            for (StoredEvent e : s.events) {
                if (e.seq() > afterSeq) {
                    out.add(e);
                }
            }
        }
        return Future.succeededFuture(out);
    }

    @Override
    public Future<Void> complete(String streamId) {
        Stream s = live(streamId);
        if (s != null) {
            synchronized (s) {
                s.complete = true;
            }
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Boolean> isComplete(String streamId) {
        Stream s = live(streamId);
        if (s == null) {
            return Future.succeededFuture(false);
        }
        synchronized (s) {
            return Future.succeededFuture(s.complete);
        }
    }

    @Override
    public AutoCloseable subscribe(String streamId, Consumer<StoredEvent> listener) {
        Stream s = streams.get(streamId);
        if (s == null) {
            return () -> {
            };
        }
        s.listeners.add(listener);
        return () -> s.listeners.remove(listener);
    }

    @Override
    public Future<Void> remove(String streamId) {
        streams.remove(streamId);
        return Future.succeededFuture();
    }

    /** Drops idle streams; run periodically. */
    public void sweep() {
        long now = clock.getAsLong();
        streams.entrySet().removeIf(e -> now - e.getValue().lastAccess > idleMillis && e.getValue().listeners.isEmpty());
    }

    private Stream live(String streamId) {
        Stream s = streams.get(streamId);
        if (s != null) {
            s.lastAccess = clock.getAsLong();
        }
        return s;
    }
}
