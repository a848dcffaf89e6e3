package dev.mcpgateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.config.TransportKind;

/** The CRD describes a backendRefs entry with {@code openapi}, and the gateway loads it as the API server stores it. */
class OpenApiCrdTest {

    static final String ROUTE = """
            apiVersion: aigateway.envoyproxy.io/v1beta1
            kind: MCPRoute
            metadata: {name: rest, namespace: default}
            spec:
              backendRefs:
              - name: pets
                openapi: {document: petstore.yaml, baseUrl: "http://127.0.0.1:8080/api/v3"}
            """;

    @Test
    void anOpenApiBackendRefValidatesAndLoadsWithTheDefaultsFilledIn() throws Exception {
        Map<String, McpRouteCrdTest.JsonSchema> schemas = McpRouteCrdTest.schemas();
        JsonNode route = McpRouteCrdTest.routes(ROUTE).get(0);
        for (McpRouteCrdTest.JsonSchema schema : schemas.values()) {
            assertThat(schema.validate(route)).isEmpty();
        }
        ObjectNode noDocument = route.deepCopy();
        ((ObjectNode) noDocument.at("/spec/backendRefs/0/openapi")).remove("document");
        assertThat(McpRouteCrdTest.validate(schemas, noDocument)).isNotEmpty();
        ObjectNode ftp = route.deepCopy();
        ((ObjectNode) ftp.at("/spec/backendRefs/0/openapi")).put("baseUrl", "ftp://x");
        assertThat(McpRouteCrdTest.validate(schemas, ftp)).isNotEmpty();

        // As the API server returns it: kind, group and path at their defaults.
        String stored = ROUTE + "    kind: Service\n    group: ''\n    path: /mcp\n";
        var backend = McpRouteParser.parse("src/test/resources/openapi/route.yaml", stored, Map.<String, String>of()::get)
                .routes().get(0).backends().get(0);
        assertThat(backend.transport()).isEqualTo(TransportKind.OPENAPI);
        assertThat(backend.openapi().operations()).hasSize(19);
    }
}
