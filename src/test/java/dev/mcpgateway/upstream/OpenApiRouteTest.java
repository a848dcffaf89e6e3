package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.OpenApiUpstreams;
import dev.mcpgateway.testing.PetstoreServer;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The same REST API behind an MCPRoute: a backendRefs entry with openapi, its apiKey sent as a header. */
@QuarkusTest
@WithTestResource(value = OpenApiUpstreams.class, initArgs = @ResourceArg(name = "format", value = "mcproute"))
class OpenApiRouteTest {

    @TestHTTPResource("/mcp")
    URI endpoint;

    @Test
    void anMcpRouteServesTheRestApi() throws Exception {
        ObjectNode s = SdkClient.scenario();
        SdkClient.step(s, "listTools");
        OpenApiGatewayTest.call(s, "pets__createUser", """
                {"body": {"username": "ada", "firstName": "Ada", "password": "pw"}}""");
        OpenApiGatewayTest.call(s, "pets__loginUser", "{\"username\": \"ada\", \"password\": \"pw\"}");
        JsonNode report = SdkClient.run(endpoint.toString(), s);
        assertThat(SdkClient.result(report, 0).path("tools")).hasSize(19);
        assertThat(SdkClient.result(report, 1).at("/structuredContent/firstName").asText()).isEqualTo("Ada");
        // A JSON string answer: the text as sent, the value wrapped.
        JsonNode login = SdkClient.result(report, 2);
        assertThat(login.at("/structuredContent/result").asText()).isEqualTo("logged in user session: ada");
        PetstoreServer.Seen seen = OpenApiUpstreams.petstore.last("/api/v3/user/login");
        assertThat(seen.query()).isEqualTo("username=ada&password=pw");
        assertThat(seen.headers()).containsEntry("X-Api-Key", "route-key");
    }

    @Test
    void aStatelessClientCallsTheRestApiToo() throws Exception {
        ObjectNode s = SdkClient.scenario();
        SdkClient.step(s, "listTools");
        OpenApiGatewayTest.call(s, "pets__getInventory", "{}");
        JsonNode report = SdkClient.runV2(endpoint.toString(), s);
        assertThat(SdkClient.result(report, 0).path("tools")).hasSize(19);
        JsonNode inventory = SdkClient.result(report, 1);
        assertThat(inventory.path("isError").asBoolean(false)).isFalse();
        assertThat(inventory.path("structuredContent").isObject()).isTrue();
    }
}
