package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.mcpgateway.testing.InfinispanFixture;

/** The result store contract on a real two-node Infinispan cluster, and an entry written through one node read through the other. */
class InfinispanResultStoreTest extends ResultStoreContract {

    private static final Duration TIMEOUT = InfinispanFixture.TIMEOUT;

    @RegisterExtension
    static final InfinispanFixture CLUSTER = new InfinispanFixture();

    @Override
    protected ResultStore store() {
        return new InfinispanResultStore(() -> CLUSTER.client(), CLUSTER.vertx(), TIMEOUT, System::currentTimeMillis);
    }

    @Test
    void aResultStoredThroughOneNodeIsAHitThroughTheOther() {
        try (RemoteCacheManager node1 = CLUSTER.servers().client(0); RemoteCacheManager node2 = CLUSTER.servers().client(1)) {
            ResultStore replica1 = new InfinispanResultStore(() -> node1, CLUSTER.vertx(), TIMEOUT, System::currentTimeMillis);
            ResultStore replica2 = new InfinispanResultStore(() -> node2, CLUSTER.vertx(), TIMEOUT, System::currentTimeMillis);
            String key = newKey();
            result(replica1.put(key, "b", "{\"content\":[]}", Duration.ofMinutes(1)));
            assertThat(result(replica2.get(key)).value()).isEqualTo("{\"content\":[]}");
        }
    }
}
