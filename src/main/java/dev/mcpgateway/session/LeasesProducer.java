package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.vertx.core.Vertx;

/** Chooses where leases live (see {@link Leases}): with the sessions. */
public class LeasesProducer {

    @Produces
    @ApplicationScoped
    Leases leases(GatewayConfig config, Vertx vertx, RemoteCacheManager infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            // The cache manager is a lazy proxy: nothing connects unless the store is Infinispan.
            return new InfinispanLeases(() -> infinispan, vertx, config.sessionIdleTimeout(),
                    InfinispanCaches.DEFAULT_OPERATION_TIMEOUT);
        }
        return new InMemoryLeases();
    }
}
