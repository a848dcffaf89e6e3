package dev.mcpgateway.cluster;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;

/**
 * Settings a replica of a cluster cannot run without, checked before it connects to anything: the
 * launcher checks them before Quarkus starts, {@link ClusterConfigValidator} when the runtime
 * configuration is built (before any bean, so before the Infinispan client exists), and a producer
 * of a cluster store may call {@link #require} first.
 */
public final class StartupChecks {

    static final String STORE = "mcp-gateway.store";
    static final String SIGNING_KEY = "mcp-gateway.signing-key";

    private StartupChecks() {
    }

    /**
     * What is wrong with these settings, one message a problem; empty when none. With
     * {@code store=infinispan} and no signing key, each replica would sign server-to-client request
     * ids (and progress tokens) with its own random key, and every answer that reaches another
     * replica would fail its signature check, without an error anywhere.
     */
    public static List<String> problems(StoreKind store, Optional<String> signingKey) {
        if (store == StoreKind.INFINISPAN && signingKey.filter(k -> !k.isBlank()).isEmpty()) {
            return List.of(SIGNING_KEY + " (MCP_GATEWAY_SIGNING_KEY) is required with " + STORE + "=infinispan: every"
                    + " replica must sign server-to-client request ids with the same secret, or a reply that reaches"
                    + " another replica is refused. Give every replica the same long random value.");
        }
        return List.of();
    }

    /** {@link #problems(StoreKind, Optional)} of the properties of {@code config}, read as text. */
    public static List<String> problems(Config config) {
        String store = config.getOptionalValue(STORE, String.class).orElse("memory").trim().toUpperCase(Locale.ROOT);
        if (!store.equals(StoreKind.INFINISPAN.name())) {
            // Anything else is memory or a mistake the typed configuration reports itself.
            return List.of();
        }
        return problems(StoreKind.INFINISPAN, config.getOptionalValue(SIGNING_KEY, String.class));
    }

    /** Throws, naming the missing settings, when a cluster replica must not start. */
    public static void require(GatewayConfig config) {
        List<String> problems = problems(config.store(), config.signingKey());
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
    }
}
