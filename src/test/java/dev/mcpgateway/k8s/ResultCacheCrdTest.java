package dev.mcpgateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpRouteParser;

/** The MCPRoute CRD describes {@code backendRefs[].cache} as the gateway reads it. */
class ResultCacheCrdTest {

    static String route(String cache) {
        return """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: cached, namespace: team}
                spec:
                  backendRefs:
                  - name: svc
                    port: 8080
                    cache: %s
                """.formatted(cache);
    }

    @Test
    void theSchemaAcceptsWhatTheGatewayReadsAndRejectsWhatItRefuses() throws Exception {
        Map<String, McpRouteCrdTest.JsonSchema> schemas = McpRouteCrdTest.schemas();
        String good = route("{ttl: 30s, scope: shared, tools: [a], exclude: [b], toolTtl: {a: 500ms}}");
        JsonNode ok = McpRouteCrdTest.routes(good).get(0);
        for (McpRouteCrdTest.JsonSchema schema : schemas.values()) {
            assertThat(schema.validate(ok)).isEmpty();
        }
        assertThat(McpRouteParser.parse("cached.yaml", good, Map.<String, String>of()::get).routes().get(0).backends().get(0)
                .cache()).isNotNull();
        for (String bad : new String[]{"{scope: everyone}", "{ttl: soon}", "{tools: [\"\"]}", "{toolTtl: {a: later}}",
                "{ttls: 3}"}) {
            JsonNode route = McpRouteCrdTest.routes(route(bad)).get(0);
            for (McpRouteCrdTest.JsonSchema schema : schemas.values()) {
                if (!bad.equals("{ttls: 3}")) {
                    // Unknown fields are pruned by Kubernetes rather than refused by the schema.
                    assertThat(schema.validate(route)).as(bad).isNotEmpty();
                }
            }
            assertThatThrownBy(() -> McpRouteParser.parse("cached.yaml", route(bad), Map.<String, String>of()::get))
                    .as(bad).isInstanceOf(ConfigException.class);
        }
    }
}
