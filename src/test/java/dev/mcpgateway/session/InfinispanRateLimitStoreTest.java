package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mcpgateway.testing.InfinispanFixture;
import io.vertx.core.Future;

/** The rate-limit store contract on a real two-node Infinispan cluster, and replicas on different nodes sharing counters. */
class InfinispanRateLimitStoreTest extends RateLimitStoreContract {

    private static final Duration TIMEOUT = InfinispanFixture.TIMEOUT;

    @RegisterExtension
    static final InfinispanFixture CLUSTER = new InfinispanFixture();

    @Override
    protected RateLimitStore store() {
        return new InfinispanRateLimitStore(() -> CLUSTER.client(), CLUSTER.vertx(), TIMEOUT, System::currentTimeMillis);
    }

    @Test
    void anUnreachableClusterFailsAReservationInsteadOfHangingIt() {
        org.infinispan.client.hotrod.configuration.ConfigurationBuilder b = new org.infinispan.client.hotrod.configuration.ConfigurationBuilder();
        b.addServer().host("127.0.0.1").port(dev.mcpgateway.testing.NodePeers.freePort());
        b.connectionTimeout(200).socketTimeout(200).maxRetries(0);
        try (RemoteCacheManager nowhere = new RemoteCacheManager(b.build(), false)) {
            RateLimitStore store = new InfinispanRateLimitStore(() -> nowhere, CLUSTER.vertx(), Duration.ofMillis(300),
                    System::currentTimeMillis);
            Future<RateLimitStore.Grant> f = store.reserve(newKey(), 1, 10, Duration.ofMinutes(1));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(f::isComplete);
            assertThat(f.failed()).isTrue();
        }
    }

    @Test
    void replicasOnBothNodesShareOneCounterAndSeeEachOther() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            RateLimitStore replica1 = new InfinispanRateLimitStore(() -> node1, CLUSTER.vertx(), TIMEOUT,
                    System::currentTimeMillis);
            RateLimitStore replica2 = new InfinispanRateLimitStore(() -> node2, CLUSTER.vertx(), TIMEOUT,
                    System::currentTimeMillis);
            String key = newKey();
            List<Future<RateLimitStore.Grant>> all = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                all.add((i % 2 == 0 ? replica1 : replica2).reserve(key, 2, 31, Duration.ofMinutes(1)));
            }
            long granted = 0;
            for (Future<RateLimitStore.Grant> f : all) {
                granted += result(f).granted();
            }
            assertThat(granted).as("contended from two nodes, never beyond the limit").isEqualTo(31);
            String a = "replica-" + UUID.randomUUID();
            String b = "replica-" + UUID.randomUUID();
            int first = result(replica1.announce(a, Duration.ofSeconds(30)));
            assertThat(result(replica2.announce(b, Duration.ofSeconds(30)))).isEqualTo(first + 1);
            assertThat(result(replica1.announce(a, Duration.ofSeconds(30)))).as("announcing again counts once")
                    .isEqualTo(first + 1);
            assertThat(replica1.shared()).isTrue();
        }
    }
}
