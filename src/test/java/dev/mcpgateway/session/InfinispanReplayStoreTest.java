package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mcpgateway.testing.InfinispanFixture;
import io.vertx.core.Future;

/** The replay contract on a real two-node Infinispan cluster: a value used at one replica is a replay at the other. */
class InfinispanReplayStoreTest extends ReplayStoreContract {

    private static final Duration TIMEOUT = InfinispanFixture.TIMEOUT;

    @RegisterExtension
    static final InfinispanFixture CLUSTER = new InfinispanFixture();

    @Override
    protected ReplayStore store() {
        return new InfinispanReplayStore(() -> CLUSTER.client(), CLUSTER.vertx(), TIMEOUT);
    }

    @Test
    void replicasOnTwoNodesAcceptEachValueOnce() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            ReplayStore replica1 = new InfinispanReplayStore(() -> node1, CLUSTER.vertx(), TIMEOUT);
            ReplayStore replica2 = new InfinispanReplayStore(() -> node2, CLUSTER.vertx(), TIMEOUT);
            String used = newKey();
            assertThat(result(replica1.firstUse(used, Duration.ofMinutes(1)))).isTrue();
            assertThat(result(replica2.firstUse(used, Duration.ofMinutes(1)))).isFalse();
            for (int round = 0; round < 10; round++) {
                String key = newKey();
                List<Future<Boolean>> tries = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    tries.add(replica1.firstUse(key, Duration.ofMinutes(1)));
                    tries.add(replica2.firstUse(key, Duration.ofMinutes(1)));
                }
                assertThat(tries.stream().filter(t -> result(t)).count()).as("first uses of %s", key).isEqualTo(1);
            }
        }
    }
}
