package dev.mcpgateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.McpRouteParser;

/** {@code spec.rateLimits} in the MCPRoute CRD: what the gateway loads validates, what it refuses does not. */
class RateLimitCrdTest {

    static final String ROUTE = """
            apiVersion: aigateway.envoyproxy.io/%s
            kind: MCPRoute
            metadata: {name: limited, namespace: team}
            spec:
              backendRefs:
              - {name: tools, port: 8080}
              rateLimits:
              - name: search-per-user
                match:
                  methods: [tools/call, tools/list]
                  principals: ["svc-*"]
                  claims: {groups: [free]}
                  backends: [tools]
                  tools: ["search*"]
                  prompts: [p]
                  resources: ["file:///*"]
                limit: {requests: 100, period: 1m}
                key: principal_tool
              - limit: {requests: 5, period: 1h}
                key: route
            """;

    @Test
    void aRouteWithRateLimitsValidatesInBothVersionsAndLoads() throws Exception {
        Map<String, McpRouteCrdTest.JsonSchema> schemas = McpRouteCrdTest.schemas();
        for (String version : new String[]{"v1alpha1", "v1beta1"}) {
            for (JsonNode route : McpRouteCrdTest.routes(ROUTE.formatted(version))) {
                assertThat(McpRouteCrdTest.validate(schemas, route)).as(version).isEmpty();
            }
        }
        assertThat(McpRouteParser.parse("limited.yaml", ROUTE.formatted("v1beta1"), Map.<String, String>of()::get).routes()
                .get(0).rateLimits()).hasSize(2);
    }

    @Test
    void theSchemaRefusesWhatTheGatewayRefuses() throws Exception {
        Map<String, McpRouteCrdTest.JsonSchema> schemas = McpRouteCrdTest.schemas();
        String good = ROUTE.formatted("v1beta1");
        for (String[] breakage : new String[][]{{"key: route", "key: tool"},
                {"requests: 5, period: 1h", "requests: 0, period: 1h"},
                {"requests: 5, period: 1h", "period: 1h"}, {"methods: [tools/call, tools/list]", "methods: [ping]"},
                {"name: search-per-user", "name: 'a b'"}, {"period: 1m", "period: soon"}}) {
            String yaml = good.replace(breakage[0], breakage[1]);
            assertThat(yaml).isNotEqualTo(good);
            JsonNode route = McpRouteCrdTest.routes(yaml).get(0);
            assertThat(McpRouteCrdTest.validate(schemas, route)).as(breakage[1]).isNotEmpty();
            assertThatThrownBy(() -> McpRouteParser.parse("broken.yaml", yaml, Map.<String, String>of()::get))
                    .as(breakage[1]).hasMessageContaining("spec.rateLimits");
        }
    }
}
