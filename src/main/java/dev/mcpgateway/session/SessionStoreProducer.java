package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import dev.mcpgateway.config.GatewayConfig;
import io.vertx.core.Vertx;

/** Chooses the session store. */
public class SessionStoreProducer {

    @Produces
    @ApplicationScoped
    SessionStore sessionStore(GatewayConfig config, Vertx vertx) {
        InMemorySessionStore store = new InMemorySessionStore(config.sessionIdleTimeout());
        long every = Math.max(1000, Math.min(30_000, config.sessionIdleTimeout().toMillis() / 4));
        vertx.setPeriodic(every, id -> store.sweep());
        return store;
    }
}
