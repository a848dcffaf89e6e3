package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.session.EventLog.StoredEvent;
import dev.mcpgateway.testing.InfinispanServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The event log contract on a real two-node Infinispan cluster, and what only a cluster can show:
 * two gateway processes, each connected to its own node, sharing streams.
 */
class InfinispanEventLogTest extends EventLogContract {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static InfinispanServers servers;
    private static RemoteCacheManager client;
    private static Vertx vertx;

    @BeforeAll
    static void connect() {
        servers = InfinispanServers.shared();
        client = servers.client();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void disconnect() {
        client.stop();
        vertx.close();
    }

    @Override
    protected EventLog log(int maxEvents) {
        InfinispanEventLog log = new InfinispanEventLog(() -> client, vertx, maxEvents, idle(), TIMEOUT);
        result(log.connect());
        return log;
    }

    @Override
    protected Duration idle() {
        return Duration.ofSeconds(3);
    }

    @Override
    protected void pass(Duration time) {
        try {
            // Expiry on a real server is a matter of wall-clock time.
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aSubscriberOnOneNodeReceivesWhatAnotherNodeAppends() {
        try (RemoteCacheManager node1 = servers.client(0); RemoteCacheManager node2 = servers.client(1)) {
            InfinispanEventLog replica1 = new InfinispanEventLog(() -> node1, vertx, 100, Duration.ofMinutes(1), TIMEOUT);
            InfinispanEventLog replica2 = new InfinispanEventLog(() -> node2, vertx, 100, Duration.ofMinutes(1), TIMEOUT);
            result(replica1.connect());
            result(replica2.connect());
            String s = newStream();
            result(replica2.open(s, "session-1"));
            List<StoredEvent> seen = new CopyOnWriteArrayList<>();
            replica1.subscribe(s, seen::add);
            for (int i = 1; i <= 5; i++) {
                result(replica2.append(s, data(i)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 5);
            assertThat(seen).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(seen).allSatisfy(e -> assertThat(e.data()).isEqualTo(data((int) e.seq())));
            assertThat(result(replica1.owner(s))).isEqualTo("session-1");
            assertThat(seqs(result(replica1.readAfter(s, 3)))).containsExactly(4L, 5L);
        }
    }

    @Test
    void writersOnTwoNodesGetDistinctNumbers() {
        try (RemoteCacheManager node1 = servers.client(0); RemoteCacheManager node2 = servers.client(1)) {
            InfinispanEventLog replica1 = new InfinispanEventLog(() -> node1, vertx, 100, Duration.ofMinutes(1), TIMEOUT);
            InfinispanEventLog replica2 = new InfinispanEventLog(() -> node2, vertx, 100, Duration.ofMinutes(1), TIMEOUT);
            String s = newStream();
            result(replica1.open(s, "session-1"));
            List<Future<Long>> appends = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                appends.add(replica1.append(s, data(i)));
                appends.add(replica2.append(s, data(100 + i)));
            }
            Set<Long> numbers = new HashSet<>();
            appends.forEach(f -> numbers.add(result(f)));
            assertThat(numbers).containsExactlyInAnyOrderElementsOf(range(1, 20));
            List<StoredEvent> events = result(replica2.readAfter(s, 0));
            assertThat(seqs(events)).containsExactlyElementsOf(range(1, 20));
        }
    }
}
