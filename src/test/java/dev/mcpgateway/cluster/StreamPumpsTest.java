package dev.mcpgateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.session.InMemoryEventLog;
import dev.mcpgateway.session.InMemoryLeases;
import dev.mcpgateway.session.Leases;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Two replicas' stream pumps sharing one lease store and one event log: a replica whose heartbeat
 * lapses loses the session's streams to the one standing by within a heartbeat timeout, long before
 * the stream lease would lapse, and every upstream event reaches the log exactly once, whether the
 * former holder died or lives on (a long GC pause) and keeps receiving.
 */
class StreamPumpsTest {

    static final String SESSION = "session-1";
    static final String STREAM = "g-session-1";

    final Vertx vertx = Vertx.vertx();
    final InMemoryLeases store = new InMemoryLeases();
    final EventLog log = new InMemoryEventLog(10_000, 600_000);
    final GatewayConfig config = StartupChecksTest.typed(Map.of("mcp-gateway.replica-heartbeat", "50ms",
            "mcp-gateway.replica-heartbeat-timeout", "300ms", "mcp-gateway.stream-lease", "20s"));
    final List<StreamPumps> replicas = new ArrayList<>();

    @AfterEach
    void stop() {
        replicas.forEach(StreamPumps::shutdown);
        vertx.close();
    }

    /** The lease store as one replica sees it; {@code silent} stops its heartbeats from getting through. */
    static final class Replica implements Leases {
        final Leases store;
        volatile boolean silent;

        Replica(Leases store) {
            this.store = store;
        }

        @Override
        public Future<String> acquire(String key, String owner, Duration ttl) {
            return store.acquire(key, owner, ttl);
        }

        @Override
        public Future<Boolean> takeOver(String key, String owner, String from, Duration ttl) {
            return store.takeOver(key, owner, from, ttl);
        }

        @Override
        public Future<Void> release(String key, String owner) {
            return store.release(key, owner);
        }

        @Override
        public Future<Void> heartbeat(String replica, Duration ttl) {
            return silent ? Future.succeededFuture() : store.heartbeat(replica, ttl);
        }

        @Override
        public Future<Set<String>> alive(Collection<String> replicas) {
            return store.alive(replicas);
        }
    }

    /**
     * An upstream that keeps its events (ids {@code u-1}, {@code u-2}, …), replays those after the
     * id a stream resumes from, and sends each new one to every stream still open.
     */
    static final class Upstream {
        final List<String> events = new ArrayList<>();
        final List<StreamPumps.Sink> open = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> resumedFrom = new CopyOnWriteArrayList<>();

        StreamPumps.Source source() {
            return (resume, sink) -> {
                resumedFrom.add(resume);
                synchronized (this) {
                    String after = resume.get("up");
                    int from = after == null ? events.size() : Integer.parseInt(after.substring(2));
                    for (int n = from + 1; n <= events.size(); n++) {
                        sink.append(events.get(n - 1), "up", "u-" + n);
                    }
                    open.add(sink);
                }
                return Future.succeededFuture(() -> open.remove(sink));
            };
        }

        synchronized void emit(int count) {
            for (int i = 0; i < count; i++) {
                int n = events.size() + 1;
                String data = "{\"n\":" + n + "}";
                events.add(data);
                open.forEach(s -> s.append(data, "up", "u-" + n));
            }
        }
    }

    StreamPumps replica(Leases leases) {
        StreamPumps pumps = new StreamPumps(leases, log, config, vertx, new ReplicaInbox(log, config, vertx));
        replicas.add(pumps);
        return pumps;
    }

    static <T> T result(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    List<String> logged() {
        return result(log.readAfter(STREAM, 0)).stream().map(StoredEvent::data).toList();
    }

    @Test
    void aStalledHolderLosesTheStreamAtOnceAndAppendsNothingAfter() {
        result(log.open(STREAM, SESSION));
        Upstream upstream = new Upstream();
        Replica leasesA = new Replica(store);
        StreamPumps a = replica(leasesA);
        StreamPumps b = replica(new Replica(store));
        a.readerAttached(SESSION, STREAM, "route", upstream.source());
        await().atMost(Duration.ofSeconds(5)).until(() -> a.pumping() == 1);
        upstream.emit(10);
        b.readerAttached(SESSION, STREAM, "route", upstream.source());
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> b.pumping() == 0);

        // A stalls: its heartbeat stops getting through, but its pump stays open and keeps receiving.
        leasesA.silent = true;
        long stalled = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> b.pumping() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - stalled)).as("long before the 20 s lease lapses")
                .isLessThan(Duration.ofSeconds(3));
        assertThat(upstream.resumedFrom.get(upstream.resumedFrom.size() - 1)).isEqualTo(Map.of("up", "u-10"));

        upstream.emit(10);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.pumping() == 0);
        leasesA.silent = false;
        upstream.emit(5);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2))
                .until(() -> a.pumping() == 0 && b.pumping() == 1);
        assertThat(logged()).containsExactlyElementsOf(upstream.events);
    }

    @Test
    void aSuccessorResumesTheUpstreamRightAfterTheLastEventInTheLog() {
        result(log.open(STREAM, SESSION));
        Upstream upstream = new Upstream();
        Replica leasesA = new Replica(store);
        StreamPumps a = replica(leasesA);
        StreamPumps b = replica(new Replica(store));
        a.readerAttached(SESSION, STREAM, "route", upstream.source());
        await().atMost(Duration.ofSeconds(5)).until(() -> a.pumping() == 1);
        upstream.emit(7);

        // A dies: no heartbeat, and its upstream stream is cut; the upstream goes on meanwhile.
        leasesA.silent = true;
        upstream.open.clear();
        upstream.emit(5);
        b.readerAttached(SESSION, STREAM, "route", upstream.source());
        await().atMost(Duration.ofSeconds(5)).until(() -> b.pumping() == 1);
        upstream.emit(3);
        assertThat(upstream.resumedFrom.get(upstream.resumedFrom.size() - 1)).isEqualTo(Map.of("up", "u-7"));
        await().atMost(Duration.ofSeconds(5)).until(() -> logged().size() == upstream.events.size());
        assertThat(logged()).containsExactlyElementsOf(upstream.events);
    }
}
