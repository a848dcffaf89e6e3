package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
        return new InfinispanLeases(() -> client, vertx, TIMEOUT);
    }

    @Test
    void replicasOnTwoNodesNeverBothHoldALease() {
        try (RemoteCacheManager node1 = servers.client(0); RemoteCacheManager node2 = servers.client(1)) {
            Leases replica1 = new InfinispanLeases(() -> node1, vertx, TIMEOUT);
            Leases replica2 = new InfinispanLeases(() -> node2, vertx, TIMEOUT);
            for (int round = 0; round < 10; round++) {
                String key = newKey();
                List<Future<String>> tries = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    tries.add(replica1.acquire(key, "replica-1", Duration.ofMinutes(1)));
                    tries.add(replica2.acquire(key, "replica-2", Duration.ofMinutes(1)));
                }
                Set<String> holders = new HashSet<>();
                tries.forEach(t -> holders.add(result(t)));
                assertThat(holders).as("every attempt on %s names the same holder", key).hasSize(1);
            }
        }
    }

    @Test
    void ofReplicasOnTwoNodesTakingOverFromADeadOneExactlyOneWins() {
        try (RemoteCacheManager node1 = servers.client(0); RemoteCacheManager node2 = servers.client(1)) {
            Leases replica1 = new InfinispanLeases(() -> node1, vertx, TIMEOUT);
            Leases replica2 = new InfinispanLeases(() -> node2, vertx, TIMEOUT);
            for (int round = 0; round < 10; round++) {
                String key = newKey();
                result(replica1.acquire(key, "dead", Duration.ofMinutes(1)));
                Future<Boolean> by1 = replica1.takeOver(key, "replica-1", "dead", Duration.ofMinutes(1));
                Future<Boolean> by2 = replica2.takeOver(key, "replica-2", "dead", Duration.ofMinutes(1));
                boolean won1 = result(by1);
                boolean won2 = result(by2);
                assertThat(won1 ^ won2).as("exactly one replica took %s over: %s / %s", key, won1, won2).isTrue();
                assertThat(result(replica2.acquire(key, "dead", Duration.ofMinutes(1))))
                        .isEqualTo(won1 ? "replica-1" : "replica-2");
            }
        }
    }
}
