package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mcpgateway.testing.InfinispanFixture;
import io.vertx.core.Future;

/** The leases contract on a real two-node Infinispan cluster, and replicas on both nodes racing for one lease. */
class InfinispanLeasesTest extends LeasesContract {

    private static final Duration TIMEOUT = InfinispanFixture.TIMEOUT;

    @RegisterExtension
    static final InfinispanFixture CLUSTER = new InfinispanFixture();

    @Override
    protected Leases leases() {
        return new InfinispanLeases(() -> CLUSTER.client(), CLUSTER.vertx(), TIMEOUT);
    }

    @Test
    void replicasOnTwoNodesNeverBothHoldALease() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            Leases replica1 = new InfinispanLeases(() -> node1, CLUSTER.vertx(), TIMEOUT);
            Leases replica2 = new InfinispanLeases(() -> node2, CLUSTER.vertx(), TIMEOUT);
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
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            Leases replica1 = new InfinispanLeases(() -> node1, CLUSTER.vertx(), TIMEOUT);
            Leases replica2 = new InfinispanLeases(() -> node2, CLUSTER.vertx(), TIMEOUT);
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
