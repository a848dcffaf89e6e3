package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.vertx.core.Vertx;

/** Chooses where per-user OAuth grants live (see {@link GrantStore}): with the sessions. */
public class GrantStoreProducer {

    /** Most entries the in-memory store holds (grants, authorizations in progress, used links). */
    static final int MAX_MEMORY_ENTRIES = 100_000;

    @Produces
    @ApplicationScoped
    GrantStore grants(GatewayConfig config, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            // Connected at the first call: a gateway without user_oauth backends never creates the cache.
            return new InfinispanGrantStore(infinispan::get, vertx, InfinispanCaches.DEFAULT_OPERATION_TIMEOUT);
        }
        return new InMemoryGrantStore(MAX_MEMORY_ENTRIES, System::currentTimeMillis);
    }
}
