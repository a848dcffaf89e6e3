package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.vertx.core.Vertx;

/** Chooses where rate-limit counters live (see {@link RateLimitStore}): with the sessions. */
public class RateLimitStoreProducer {

    @Produces
    @ApplicationScoped
    RateLimitStore rateLimits(GatewayConfig config, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            // Connected at the first counted call: a gateway without rate limits never creates the cache.
            return new InfinispanRateLimitStore(infinispan::get, vertx, config.rateLimits().storeTimeout(),
                    System::currentTimeMillis);
        }
        return new InMemoryRateLimitStore(System::currentTimeMillis);
    }
}
