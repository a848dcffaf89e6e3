package dev.mcpgateway.session;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Readiness of the session store. With {@code mcp-gateway.store=infinispan} it reads a key from the
 * sessions cache and is down while the cluster cannot be reached; with the in-memory store it is
 * always up and touches nothing. (The Quarkus Infinispan client's own check is disabled, as it would
 * connect even when the gateway does not use Infinispan.)
 */
@Readiness
@ApplicationScoped
class InfinispanStoreHealthCheck implements AsyncHealthCheck {

    private static final String NAME = "Session store";
    private static final String PROBE_KEY = "mcp-gateway-readiness-probe";

    private final GatewayConfig config;
    private final SessionStore store;

    InfinispanStoreHealthCheck(GatewayConfig config, SessionStore store) {
        this.config = config;
        this.store = store;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (config.store() != StoreKind.INFINISPAN) {
            return Uni.createFrom().item(HealthCheckResponse.named(NAME).up().withData("store", "memory").build());
        }
        return Uni.createFrom().completionStage(() -> store.get(PROBE_KEY).toCompletionStage())
                .map(ignored -> HealthCheckResponse.named(NAME).up().withData("store", "infinispan").build())
                .onFailure().recoverWithItem(t -> HealthCheckResponse.named(NAME).down().withData("store", "infinispan")
                        .withData("error", String.valueOf(t.getMessage())).build());
    }
}
