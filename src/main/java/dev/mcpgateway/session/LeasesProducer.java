package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.vertx.core.Vertx;

/** Chooses where leases live (see {@link Leases}): with the sessions. */
public class LeasesProducer {

    @Produces
    @ApplicationScoped
    Leases leases(GatewayConfig config, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            // Looked up only here: with the memory store the Infinispan client is never created.
            InfinispanLeases leases = new InfinispanLeases(infinispan::get, vertx, InfinispanCaches.DEFAULT_OPERATION_TIMEOUT);
            // In the background, so a replica's first take-over does not wait for the connection.
            leases.connect();
            return leases;
        }
        return new InMemoryLeases();
    }
}
