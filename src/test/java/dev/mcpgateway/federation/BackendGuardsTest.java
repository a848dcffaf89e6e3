package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpServersParser;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.upstream.UpstreamErrors;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Reloads keep a backend's breaker while its settings stay, replace it when they change, drop it when it goes. */
class BackendGuardsTest {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final BackendGuards guards = new BackendGuards(null, registry);

    static List<RouteConfig> config(String servers) throws ConfigException {
        return McpServersParser.parse("servers.json", "{\"mcpServers\": {" + servers + "}}", Map.<String, String>of()::get)
                .routes();
    }

    static final String WEB = "\"web\": {\"url\": \"http://127.0.0.1:1/mcp\", \"circuitBreaker\": {\"failureThreshold\": %d}}";
    static final String PLAIN = "\"plain\": {\"url\": \"http://127.0.0.1:2/mcp\"}";

    Gauge gauge() {
        return registry.find("mcp.gateway.circuit.state").tag("backend", "web").gauge();
    }

    BackendGuard web() {
        return guards.of(routeNamed("default"), "web");
    }

    static Route routeNamed(String name) {
        return new Route(new RouteConfig(name, "/mcp", dev.mcpgateway.config.PrefixMode.ALWAYS, List.of()), Map.of());
    }

    @Test
    void reloadsKeepReplaceAndDropBreakersWithTheirMeters() throws Exception {
        guards.sync(config(WEB.formatted(1) + ", " + PLAIN));
        assertThat(guards.of(routeNamed("default"), "plain")).isNull();
        BackendGuard first = web();
        first.release(first.acquire(), UpstreamErrors.unavailable("web", "Connection refused"));
        assertThat(gauge().value()).isEqualTo(1.0);
        assertThat(guards.states()).containsExactly(Map.entry("default/web", "open"));

        // The same settings: the same breaker, still open.
        guards.sync(config(WEB.formatted(1)));
        assertThat(web()).isSameAs(first);
        assertThat(gauge().value()).isEqualTo(1.0);

        // Other settings: a new breaker, and the gauge follows it (not the old one's state).
        guards.sync(config(WEB.formatted(2)));
        assertThat(web()).isNotSameAs(first);
        assertThat(gauge().value()).isEqualTo(0.0);
        assertThat(registry.find("mcp.gateway.circuit.state").gauges()).hasSize(1);

        // Removed: no breaker, no meters.
        guards.sync(config(PLAIN));
        assertThat(web()).isNull();
        assertThat(guards.states()).isEmpty();
        assertThat(registry.getMeters()).isEmpty();
    }
}
