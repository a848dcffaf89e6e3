package dev.mcpgateway.testing;

import java.time.Duration;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.vertx.core.Vertx;

/**
 * What a store test on the shared two-node Infinispan cluster needs, for one test class: the
 * servers, a client for both nodes and a Vert.x. Register it as a static field with
 * {@code @RegisterExtension}.
 */
public final class InfinispanFixture implements BeforeAllCallback, AfterAllCallback {

    /** How long a store operation may take in these tests. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private InfinispanServers servers;
    private RemoteCacheManager client;
    private Vertx vertx;

    @Override
    public void beforeAll(ExtensionContext context) {
        servers = InfinispanServers.shared();
        client = servers.client();
        vertx = Vertx.vertx();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        client.stop();
        vertx.close();
    }

    public InfinispanServers servers() {
        return servers;
    }

    /** A client of both nodes. */
    public RemoteCacheManager client() {
        return client;
    }

    public Vertx vertx() {
        return vertx;
    }
}
