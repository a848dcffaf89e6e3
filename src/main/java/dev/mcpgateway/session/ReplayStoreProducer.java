package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.vertx.core.Vertx;

/** Chooses where used-once values (see {@link ReplayStore}) live: with the sessions. */
public class ReplayStoreProducer {

    @Produces
    @ApplicationScoped
    ReplayStore replayStore(GatewayConfig config, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            // Looked up only here: with the memory store the Infinispan client is never created.
            InfinispanReplayStore store = new InfinispanReplayStore(infinispan::get, vertx,
                    InfinispanCaches.DEFAULT_OPERATION_TIMEOUT);
            store.connect();
            return store;
        }
        return new InMemoryReplayStore(config.auth().dpopMaxProofs());
    }
}
