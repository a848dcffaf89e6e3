package dev.mcpgateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayConfig.StoreKind;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Defect 10: with {@code mcp-gateway.store=infinispan} and no {@code mcp-gateway.signing-key}, each
 * replica signed with its own random key and answers failed across replicas without an error. A
 * replica now refuses to start.
 */
class StartupChecksTest {

    @Test
    void aClusterStoreNeedsASigningKey() {
        assertThat(StartupChecks.problems(StoreKind.INFINISPAN, Optional.empty())).singleElement().asString()
                .contains("mcp-gateway.signing-key").contains("MCP_GATEWAY_SIGNING_KEY").contains("infinispan");
        assertThat(StartupChecks.problems(StoreKind.INFINISPAN, Optional.of("  "))).hasSize(1);
        assertThat(StartupChecks.problems(StoreKind.INFINISPAN, Optional.of("shared-secret"))).isEmpty();
        assertThat(StartupChecks.problems(StoreKind.MEMORY, Optional.empty())).isEmpty();
    }

    @Test
    void readsTheSettingsAsText() {
        assertThat(StartupChecks.problems(config(Map.of("mcp-gateway.store", "Infinispan")))).hasSize(1);
        assertThat(StartupChecks.problems(config(Map.of("mcp-gateway.store", "infinispan", "mcp-gateway.signing-key", "k"))))
                .isEmpty();
        assertThat(StartupChecks.problems(config(Map.of()))).isEmpty();
        assertThatThrownBy(() -> StartupChecks.require(typed(Map.of("mcp-gateway.store", "infinispan"))))
                .hasMessageContaining("mcp-gateway.signing-key");
    }

    /** The check Quarkus runs while it builds the runtime configuration, before any bean exists. */
    @Test
    void theRuntimeConfigurationDoesNotBuildWithoutTheKey() {
        assertThatThrownBy(() -> typed(Map.of("mcp-gateway.store", "infinispan")))
                .isInstanceOf(ConfigValidationException.class).hasMessageContaining("mcp-gateway.signing-key");
        assertThat(typed(Map.of("mcp-gateway.store", "infinispan", "mcp-gateway.signing-key", "k")).store())
                .isEqualTo(StoreKind.INFINISPAN);
        assertThat(typed(Map.of()).store()).isEqualTo(StoreKind.MEMORY);
    }

    static SmallRyeConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(values, "test", 500)).build();
    }

    /** {@link GatewayConfig} mapped with the customizer registered in META-INF/services. */
    static GatewayConfig typed(Map<String, String> values) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(values, "test", 500));
        new ClusterConfigValidator().configBuilder(builder);
        return builder.build().getConfigMapping(GatewayConfig.class);
    }
}
