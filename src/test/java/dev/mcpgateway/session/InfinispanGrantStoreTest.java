package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mcpgateway.testing.InfinispanFixture;

/** The grant store contract on a real two-node Infinispan cluster, and a grant written through one node read through the other. */
class InfinispanGrantStoreTest extends GrantStoreContract {

    private static final Duration TIMEOUT = InfinispanFixture.TIMEOUT;

    @RegisterExtension
    static final InfinispanFixture CLUSTER = new InfinispanFixture();

    @Override
    protected GrantStore store() {
        return new InfinispanGrantStore(() -> CLUSTER.client(), CLUSTER.vertx(), TIMEOUT);
    }

    @Test
    void aGrantStoredThroughOneNodeIsReadAndTakenOnceThroughTheOther() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            GrantStore replica1 = new InfinispanGrantStore(() -> node1, CLUSTER.vertx(), TIMEOUT);
            GrantStore replica2 = new InfinispanGrantStore(() -> node2, CLUSTER.vertx(), TIMEOUT);
            String key = newKey();
            result(replica1.put(key, "sealed", null));
            assertThat(result(replica2.get(key))).isEqualTo("sealed");
            assertThat(result(replica2.putIfAbsent(key, "other", null))).isFalse();
            assertThat(result(replica2.remove(key))).isEqualTo("sealed");
            assertThat(result(replica1.remove(key))).isNull();
        }
    }
}
