package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import dev.mcpgateway.config.GatewayConfig;
import io.vertx.core.Vertx;

/** Chooses the session store and event log by {@code mcp-gateway.store}. */
public class SessionStoreProducer {

    @Produces
    @ApplicationScoped
    SessionStore sessionStore(GatewayConfig config, Vertx vertx) {
        InMemorySessionStore store = new InMemorySessionStore(config.sessionIdleTimeout());
        vertx.setPeriodic(sweepEvery(config), id -> store.sweep());
        return store;
    }

    @Produces
    @ApplicationScoped
    EventLog eventLog(GatewayConfig config, Vertx vertx) {
        InMemoryEventLog log = new InMemoryEventLog(config.maxEventsPerStream(), config.sessionIdleTimeout().toMillis());
        vertx.setPeriodic(sweepEvery(config), id -> log.sweep());
        return log;
    }

    private static long sweepEvery(GatewayConfig config) {
        return Math.max(1000, Math.min(30_000, config.sessionIdleTimeout().toMillis() / 4));
    }
}
