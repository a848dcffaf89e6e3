package dev.mcpgateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.InfinispanServers;
import io.vertx.core.Vertx;

/** The session store contract on a real two-node Infinispan cluster, waiting real time for expiry. */
class InfinispanSessionStoreTest extends SessionStoreContract {

    private static final Logger LOG = Logger.getLogger(InfinispanSessionStoreTest.class);

    private static RemoteCacheManager client;
    private static Vertx vertx;

    @BeforeAll
    static void connect() {
        client = InfinispanServers.shared().client();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void disconnect() {
        client.stop();
        vertx.close();
    }

    @Override
    protected SessionStore store() {
        return new InfinispanSessionStore(() -> client, vertx, idle(), Duration.ofSeconds(5));
    }

    @Override
    protected Duration idle() {
        return Duration.ofSeconds(4);
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
    void aSessionIsStoredCompactly() throws Exception {
        GatewaySession typical = session(newId());
        GatewaySession bare = new GatewaySession(newId(), "default", "", "2025-06-18", null, null, Map.of(), null, 0);
        int typicalBytes = client.getMarshaller().objectToByteBuffer(typical).length;
        int bareBytes = client.getMarshaller().objectToByteBuffer(bare).length;
        int keyBytes = client.getMarshaller().objectToByteBuffer(typical.id()).length;
        LOG.infof("Stored bytes: typical session %d (two upstreams), bare session %d, key %d", typicalBytes, bareBytes,
                keyBytes);
        assertThat(bareBytes).isLessThan(100);
        assertThat(typicalBytes).isLessThan(700);
    }

    @Test
    void theServerKnowsTheSchema() {
        result(store().get(newId()));
        assertThat(client.administration().schemas().get(InfinispanSchema.FILE_NAME)).isPresent();
        assertThat(client.administration().schemas().retrieveError(InfinispanSchema.FILE_NAME)).isEmpty();
    }
}
