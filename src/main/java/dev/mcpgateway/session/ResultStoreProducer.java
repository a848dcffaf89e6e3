package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import dev.mcpgateway.config.ResultCacheConfig;
import io.vertx.core.Vertx;

/** Chooses where cached tool results live (see {@link ResultStore}): with the sessions. */
public class ResultStoreProducer {

    @Produces
    @ApplicationScoped
    ResultStore results(GatewayConfig config, ResultCacheConfig cache, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            // Connected at the first call: a gateway whose backends cache nothing never creates the cache.
            return new InfinispanResultStore(infinispan::get, vertx, InfinispanCaches.DEFAULT_OPERATION_TIMEOUT,
                    System::currentTimeMillis);
        }
        return new InMemoryResultStore(cache.maxEntries(), cache.maxBytes().asLongValue(), System::currentTimeMillis);
    }
}
