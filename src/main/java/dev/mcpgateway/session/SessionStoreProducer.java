package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import org.infinispan.client.hotrod.RemoteCacheManager;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Chooses the session store and event log by {@code mcp-gateway.store}: in this process (memory,
 * the default) or in an Infinispan cluster shared by the replicas (infinispan, configured with
 * {@code quarkus.infinispan-client.*}). With memory, the Infinispan client is never created.
 */
public class SessionStoreProducer {

    /**
     * @param infinispan the Quarkus Infinispan client, looked up only by the Infinispan store and log:
     *        with the memory store it is never created (and never looks for its configuration)
     */
    @Produces
    @ApplicationScoped
    SessionStore sessionStore(GatewayConfig config, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            InfinispanSessionStore store = new InfinispanSessionStore(infinispan::get, vertx, config.sessionIdleTimeout(),
                    InfinispanCaches.DEFAULT_OPERATION_TIMEOUT, config.sessionCacheMaxEntries());
            store.connect();
            return store;
        }
        InMemorySessionStore store = new InMemorySessionStore(config.sessionIdleTimeout());
        vertx.setPeriodic(sweepEvery(config), id -> store.sweep());
        return store;
    }

    @Produces
    @ApplicationScoped
    EventLog eventLog(GatewayConfig config, Vertx vertx, Instance<RemoteCacheManager> infinispan) {
        if (config.store() == StoreKind.INFINISPAN) {
            InfinispanEventLog log = new InfinispanEventLog(infinispan::get, vertx, config.maxEventsPerStream(),
                    config.sessionIdleTimeout(), InfinispanCaches.DEFAULT_OPERATION_TIMEOUT);
            log.connect();
            vertx.setPeriodic(sweepEvery(config), id -> log.keepAlive());
            return log;
        }
        InMemoryEventLog log = new InMemoryEventLog(config.maxEventsPerStream(), config.sessionIdleTimeout().toMillis());
        vertx.setPeriodic(sweepEvery(config), id -> log.sweep());
        return log;
    }

    /**
     * With Infinispan, connects at startup (in the background) rather than on the first request, so
     * expiry and stream listeners are in place early. A cluster that cannot be reached does not stop
     * the gateway: readiness reports it, and operations retry the connection.
     */
    void connectAtStartup(@Observes StartupEvent event, GatewayConfig config, Instance<SessionStore> store,
            Instance<EventLog> log) {
        if (config.store() == StoreKind.INFINISPAN) {
            ClientProxy.unwrap(store.get());
            ClientProxy.unwrap(log.get());
        }
    }

    private static long sweepEvery(GatewayConfig config) {
        return Math.max(1000, Math.min(30_000, config.sessionIdleTimeout().toMillis() / 4));
    }
}
