package dev.mcpgateway.config.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.mcpgateway.config.RouteConfig;

/** Which MCPRoute objects are served, and what their status says, without an API server. */
class RouteObjectsTest {

    static final ObjectMapper YAML = new YAMLMapper();

    static JsonNode route(String ns, String name, String created, String parentRef, String path, long generation) {
        try {
            return YAML.readTree("""
                    apiVersion: aigateway.envoyproxy.io/v1beta1
                    kind: MCPRoute
                    metadata: {name: %s, namespace: %s, creationTimestamp: "%s", generation: %d}
                    spec:
                      parentRefs: [%s]
                      path: %s
                      backendRefs:
                      - {name: everything, port: 3001}
                    """.formatted(name, ns, created, generation, parentRef, path));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> served(RouteObjects.Build build) {
        return build.served().stream().map(r -> r.name() + " " + r.path()).toList();
    }

    @Test
    void onlyParentRefsNamingTheGatewayCount() {
        RouteObjects objects = new RouteObjects("mcp-gateway", Optional.of("infra"));
        String t = "2026-01-01T00:00:00Z";
        assertThat(objects.namesGateway(route("infra", "a", t, "{name: mcp-gateway}", "/a", 1))).isTrue();
        assertThat(objects.namesGateway(route("apps", "a", t, "{name: mcp-gateway, namespace: infra}", "/a", 1))).isTrue();
        assertThat(objects.namesGateway(route("apps", "a", t, "{name: mcp-gateway}", "/a", 1))).as("other namespace")
                .isFalse();
        assertThat(objects.namesGateway(route("infra", "a", t, "{name: envoy-ai-gateway}", "/a", 1))).isFalse();
        assertThat(objects.namesGateway(route("infra", "a", t, "{name: mcp-gateway, kind: Service}", "/a", 1))).isFalse();
        assertThat(objects.namesGateway(route("infra", "a", t, "{name: mcp-gateway, group: example.com}", "/a", 1)))
                .isFalse();
        assertThat(objects.namesGateway(route("infra", "a", t, "{name: x}, {name: mcp-gateway}", "/a", 1))).isTrue();
    }

    @Test
    void theOlderRouteKeepsAContestedPath() {
        RouteObjects objects = new RouteObjects("mcp-gateway", Optional.empty());
        JsonNode newer = route("apps", "newer", "2026-01-02T00:00:00Z", "{name: mcp-gateway}", "/mcp", 1);
        JsonNode older = route("apps", "older", "2026-01-01T00:00:00Z", "{name: mcp-gateway}", "/mcp", 1);
        RouteObjects.Build build = objects.build(List.of(newer, older), Map.of());
        assertThat(served(build)).containsExactly("older /mcp");
        RouteObjects.Verdict refused = build.verdicts().get(1);
        assertThat(refused.name()).isEqualTo("newer");
        assertThat(refused.accepted()).isFalse();
        assertThat(refused.acceptedReason()).isEqualTo("PathConflict");
        assertThat(refused.acceptedMessage()).isEqualTo("MCPRoute apps/newer: spec.path: \"/mcp\" is already served by "
                + "MCPRoute apps/older; give each MCPRoute its own path");
    }

    @Test
    void aRouteThatStopsValidatingKeepsItsLastGoodConfigurationUntilDeleted() {
        RouteObjects objects = new RouteObjects("mcp-gateway", Optional.empty());
        String t = "2026-01-01T00:00:00Z";
        RouteObjects.Build first = objects.build(List.of(route("apps", "r", t, "{name: mcp-gateway}", "/r", 1)), Map.of());
        RouteConfig good = first.served().getFirst();

        RouteObjects.Build bad = objects.build(List.of(route("apps", "r", t, "{name: mcp-gateway}", "no-slash", 2)),
                Map.of());
        assertThat(bad.served()).containsExactly(good);
        assertThat(bad.verdicts().getFirst().acceptedMessage()).isEqualTo("MCPRoute apps/r: spec.path: expected a path "
                + "starting with /, got \"no-slash\" (generation 1 stays in force)");

        assertThat(objects.build(List.of(), Map.of()).served()).isEmpty();
        RouteObjects.Build badAgain = objects.build(List.of(route("apps", "r", t, "{name: mcp-gateway}", "no-slash", 1)),
                Map.of());
        assertThat(badAgain.served()).as("nothing to fall back to after the deletion").isEmpty();
    }

    @Test
    void anOpenApiDocumentMustBeAUrl() throws Exception {
        JsonNode route = YAML.readTree("""
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: rest, namespace: apps, generation: 1}
                spec:
                  parentRefs: [{name: mcp-gateway}]
                  path: /rest
                  backendRefs:
                  - {name: pets, openapi: {document: /etc/passwd, baseUrl: "http://pets:8080"}}
                """);
        RouteObjects.Build build = new RouteObjects("mcp-gateway", Optional.empty()).build(List.of(route), Map.of());
        assertThat(build.served()).isEmpty();
        assertThat(build.verdicts().getFirst().acceptedMessage())
                .startsWith("MCPRoute apps/rest: spec.backendRefs[0].openapi.document: expected an http(s):// URL");
    }

    @Test
    void anUnchangedVerdictWritesNothingAndKeepsItsTransitionTime() {
        RouteObjects.Verdict v = new RouteObjects.Verdict("apps", "r", 3, true, "Accepted", "Served", true, "ResolvedRefs",
                "ok");
        JsonNode written = RouteConditions.statusToWrite(v, YAML.createObjectNode(), Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(written.path("conditions").get(0).path("lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(written.path("observedGeneration").asLong()).isEqualTo(3);
        assertThat(RouteConditions.statusToWrite(v, written, Instant.parse("2026-02-01T00:00:00Z"))).isNull();

        RouteObjects.Verdict next = new RouteObjects.Verdict("apps", "r", 4, true, "Accepted", "Served", true,
                "ResolvedRefs", "ok");
        JsonNode again = RouteConditions.statusToWrite(next, written, Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(again.path("conditions").get(0).path("observedGeneration").asLong()).isEqualTo(4);
        assertThat(again.path("conditions").get(0).path("lastTransitionTime").asText()).as("still True")
                .isEqualTo("2026-01-01T00:00:00Z");
    }
}
