package dev.mcpgateway.session;

import static dev.mcpgateway.session.SessionStoreContract.result;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.InfinispanServers;
import io.vertx.core.Vertx;

/** The result store contract on a real two-node Infinispan cluster, and an entry written through one node read through the other. */
class InfinispanResultStoreTest extends ResultStoreContract {

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
    protected ResultStore store() {
        return new InfinispanResultStore(() -> client, vertx, TIMEOUT, System::currentTimeMillis);
    }

    @Test
    void aResultStoredThroughOneNodeIsAHitThroughTheOther() {
        try (RemoteCacheManager node1 = servers.client(0); RemoteCacheManager node2 = servers.client(1)) {
            ResultStore replica1 = new InfinispanResultStore(() -> node1, vertx, TIMEOUT, System::currentTimeMillis);
            ResultStore replica2 = new InfinispanResultStore(() -> node2, vertx, TIMEOUT, System::currentTimeMillis);
            String key = newKey();
            result(replica1.put(key, "b", "{\"content\":[]}", Duration.ofMinutes(1)));
            assertThat(result(replica2.get(key)).value()).isEqualTo("{\"content\":[]}");
        }
    }
}
