package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.newId;
import static dev.mcpgateway.session.SessionStoreContract.result;
import static dev.mcpgateway.session.SessionStoreContract.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.testing.InfinispanServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The Infinispan store and log while their only server is down, and after it is back: operations
 * fail within the operation timeout instead of hanging, and work again without a restart of the
 * gateway, stream listener included. Uses a node of its own, which it stops and starts.
 */
class InfinispanOutageTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static InfinispanServers node;
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        node = InfinispanServers.start("mcpgw-outage", 1);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        vertx.close();
    }

    @Test
    void operationsFailFastWhileTheClusterIsDownAndWorkAgainAfter() {
        RemoteCacheManager client = node.client();
        // Like the Quarkus client bean: made on first use, made again if that fails.
        Supplier<RemoteCacheManager> late = new Supplier<>() {
            private RemoteCacheManager made;

            @Override
            public synchronized RemoteCacheManager get() {
                if (made == null) {
                    made = node.client();
                }
                return made;
            }
        };
        try {
            InfinispanSessionStore store = new InfinispanSessionStore(() -> client, vertx, Duration.ofMinutes(5), TIMEOUT, 100);
            InfinispanEventLog log = new InfinispanEventLog(() -> client, vertx, 100, Duration.ofMinutes(5), TIMEOUT);
            GatewaySession s = session(newId());
            result(store.put(s));
            String stream = EventLogContract.newStream();
            result(log.open(stream, s.id()));
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            log.subscribe(stream, seen::add);

            // A session this replica serves from its local copy.
            GatewaySession held = session(newId());
            result(store.put(held));
            assertThat(result(store.get(held.id()))).isEqualTo(held);

            node.stop(0);
            // A stream subscribed to while the cluster is down: the listener for both registers once it is back.
            String other = EventLogContract.newStream();
            List<StoredEvent> seenOther = new CopyOnWriteArrayList<>();
            log.subscribe(other, seenOther::add);

            long started = System.nanoTime();
            // No copy is trusted while the listener that would invalidate it has no server (the client
            // tells the listener at once when its connection closes).
            await().atMost(Duration.ofSeconds(5)).until(() -> failure(store.get(held.id())) != null);
            assertThat(failure(store.get(s.id()))).as("get while down").isNotNull();
            assertThat(failure(log.append(stream, "{}"))).as("append while down").isNotNull();
            // A gateway that starts while the cluster is down.
            InfinispanSessionStore lateStore = new InfinispanSessionStore(late, vertx, Duration.ofMinutes(5), TIMEOUT, 100);
            assertThat(failure(lateStore.get(s.id()))).as("first get of a store that never connected").isNotNull();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("all failed within their timeouts")
                    .isLessThan(TIMEOUT.multipliedBy(6));

            node.start(0);

            // A restarted single node has lost its data; the same clients carry on with it.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> result(store.put(s)) == null && s.equals(result(store.get(s.id()))));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> s.equals(result(lateStore.get(s.id()))));
            assertThat(result(store.get(held.id()))).as("a local copy does not outlive the restarted cluster's data")
                    .isNull();
            result(log.open(stream, s.id()));
            // The stream listener registers again on its own (the client retries every 5 s).
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        result(log.append(stream, "{\"n\":1}"));
                        return !seen.isEmpty();
                    });
            assertThat(seen).allSatisfy(e -> assertThat(e.streamId()).isEqualTo(stream));
            result(log.open(other, s.id()));
            result(log.append(other, "{\"n\":1}"));
            await().atMost(Duration.ofSeconds(30)).until(() -> !seenOther.isEmpty());
            assertThat(seenOther).extracting(StoredEvent::seq).containsExactly(1L);
            // One listener in the end, though the client registers the replaced one again: one change, one event.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                long before = log.headEventsReceived();
                int seenBefore = seen.size();
                result(log.append(stream, "{\"n\":2}"));
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() > seenBefore);
                await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                        .until(() -> log.headEventsReceived() - before >= 1);
                return log.headEventsReceived() - before == 1;
            });
        } finally {
            client.stop();
            late.get().stop();
        }
    }

    private static Throwable failure(Future<?> f) {
        try {
            f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return null;
        } catch (Exception e) {
            return e;
        }
    }
}
