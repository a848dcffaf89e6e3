package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.InfinispanServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The leases contract on a real two-node Infinispan cluster, and replicas on both nodes racing for one lease. */
class InfinispanLeasesTest extends LeasesContract {

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
    protected Leases leases() {
        return new InfinispanLeases(() -> client, vertx, Duration.ofMinutes(1), TIMEOUT);
    }

    @Test
    void replicasOnTwoNodesNeverBothHoldALease() {
        try (RemoteCacheManager node1 = servers.client(0); RemoteCacheManager node2 = servers.client(1)) {
            Leases replica1 = new InfinispanLeases(() -> node1, vertx, Duration.ofMinutes(1), TIMEOUT);
            Leases replica2 = new InfinispanLeases(() -> node2, vertx, Duration.ofMinutes(1), TIMEOUT);
            for (int round = 0; round < 10; round++) {
                String key = newKey();
                List<Future<Boolean>> tries = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    tries.add(replica1.acquire(key, "replica-1", "from 1", Duration.ofMinutes(1)));
                    tries.add(replica2.acquire(key, "replica-2", "from 2", Duration.ofMinutes(1)));
                }
                List<Boolean> won1 = new ArrayList<>();
                List<Boolean> won2 = new ArrayList<>();
                for (int i = 0; i < tries.size(); i++) {
                    (i % 2 == 0 ? won1 : won2).add(result(tries.get(i)));
                }
                assertThat(won1.contains(true) ^ won2.contains(true))
                        .as("exactly one replica holds %s: %s / %s", key, won1, won2)
                        .isTrue();
                String winner = won1.contains(true) ? "from 1" : "from 2";
                assertThat(result(replica2.state(key))).isEqualTo(winner);
            }
        }
    }
}
