package dev.mcpgateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.OpenApiUpstreams;
import dev.mcpgateway.testing.PetstoreServer;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Swagger Petstore REST API served through the gateway as MCP tools, driven by the official
 * TypeScript SDK client against a real HTTP server implementing the document's operations.
 */
@QuarkusTest
@WithTestResource(OpenApiUpstreams.class)
class OpenApiGatewayTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    @TestHTTPResource("/mcp")
    URI endpoint;

    static ObjectNode call(ObjectNode scenario, String tool, String argumentsJson) throws Exception {
        ObjectNode step = SdkClient.step(scenario, "callTool").put("name", tool);
        step.set("arguments", MAPPER.readTree(argumentsJson));
        return step;
    }

    static String text(JsonNode result) {
        return result.path("content").get(0).path("text").asText();
    }

    @Test
    void petstoreOperationsAreToolsThatCallTheRestApi() throws Exception {
        PetstoreServer server = OpenApiUpstreams.petstore;
        ObjectNode s = SdkClient.scenario();
        SdkClient.step(s, "listTools");
        call(s, "pets__addPet", """
                {"body": {"id": 7001, "name": "Rex", "photoUrls": ["http://img.test/rex.png"], "status": "available",
                          "category": {"id": 1, "name": "Dogs"}, "tags": [{"id": 1, "name": "good"}]}}""");
        call(s, "pets__getPetById", "{\"petId\": 7001}");
        call(s, "pets__addPet", """
                {"body": {"id": 7002, "name": "Tom", "photoUrls": [], "status": "pending",
                          "tags": [{"id": 2, "name": "bad"}]}}""");
        call(s, "pets__findPetsByStatus", "{\"status\": \"available\"}");
        call(s, "pets__findPetsByTags", "{\"tags\": [\"good\", \"bad\"]}");
        call(s, "pets__getPetById", "{\"petId\": 424242}");
        call(s, "remote__getInventory", "{}");
        call(s, "pets__getUserByName", "{\"username\": \"a b/c?\"}");
        call(s, "pets__deletePet", "{\"petId\": 7002, \"api_key\": \"delete-key\"}");
        call(s, "pets__getPetById", "{}");
        call(s, "pets__addPet", "{\"body\": {\"id\": 7003, \"name\": \"Kit\", \"photoUrls\": [], \"status\": \"pending\"}}");
        call(s, "pets__findPetsByStatus", "{\"status\": [\"available\", \"pending\"]}");
        call(s, "pets__signOut", "{}");
        JsonNode report = SdkClient.run(endpoint.toString(), s);

        // tools/list: 19 operations of the document, and the one tool the remote backend keeps.
        JsonNode tools = SdkClient.result(report, 0).path("tools");
        List<String> names = new ArrayList<>();
        tools.forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).hasSize(20).contains("pets__addPet", "pets__getPetById", "pets__findPetsByTags",
                "pets__uploadFile", "pets__signOut", "remote__getInventory").doesNotContain("pets__logoutUser");
        assertThat(tool(tools, "pets__signOut").path("description").asText()).isEqualTo("Ends the session.");
        JsonNode getPet = tool(tools, "pets__getPetById");
        assertThat(getPet.at("/inputSchema/properties/petId/type").asText()).isEqualTo("integer");
        assertThat(getPet.at("/inputSchema/required/0").asText()).isEqualTo("petId");
        assertThat(getPet.at("/annotations/readOnlyHint").asBoolean()).isTrue();
        assertThat(getPet.path("title").asText()).isEqualTo("Find pet by ID.");
        JsonNode addPet = tool(tools, "pets__addPet");
        assertThat(addPet.at("/annotations/readOnlyHint").asBoolean()).isFalse();
        assertThat(addPet.at("/inputSchema/properties/body/properties/photoUrls/type").asText()).isEqualTo("array");

        // addPet then getPetById: the pet round-trips through the REST server.
        JsonNode added = SdkClient.result(report, 1);
        assertThat(added.path("isError").asBoolean(false)).isFalse();
        assertThat(added.at("/structuredContent/name").asText()).isEqualTo("Rex");
        JsonNode fetched = SdkClient.result(report, 2);
        assertThat(fetched.at("/structuredContent/id").asLong()).isEqualTo(7001);
        assertThat(fetched.at("/structuredContent/category/name").asText()).isEqualTo("Dogs");
        assertThat(MAPPER.readTree(text(fetched)).path("name").asText()).isEqualTo("Rex");

        // An array answer is wrapped: {"result": [...]}.
        JsonNode byStatus = SdkClient.result(report, 4);
        assertThat(byStatus.at("/structuredContent/result").size()).isEqualTo(1);
        assertThat(byStatus.at("/structuredContent/result/0/name").asText()).isEqualTo("Rex");
        assertThat(server.seen).anyMatch(r -> r.path().equals("/api/v3/pet/findByStatus")
                && "status=available".equals(r.query()));
        // A query array, exploded as the document says: tags=good&tags=bad.
        JsonNode byTags = SdkClient.result(report, 5);
        assertThat(byTags.at("/structuredContent/result").size()).isEqualTo(2);
        assertThat(server.last("/api/v3/pet/findByTags").query()).isEqualTo("tags=good&tags=bad");

        // 404 is a tool error with the status and the body.
        JsonNode missing = SdkClient.result(report, 6);
        assertThat(missing.path("isError").asBoolean()).isTrue();
        assertThat(text(missing)).startsWith("HTTP 404").contains("Pet not found");

        JsonNode inventory = SdkClient.result(report, 7);
        assertThat(inventory.at("/structuredContent/available").asInt()).isEqualTo(1);
        assertThat(inventory.at("/structuredContent/pending").asInt()).isEqualTo(1);

        // Path parameters are percent-encoded.
        assertThat(text(SdkClient.result(report, 8))).startsWith("HTTP 404");
        assertThat(server.seen).anyMatch(r -> r.path().equals("/api/v3/user/a%20b%2Fc%3F"));

        // A header parameter, and the static header and the obtained token on every call of "pets".
        assertThat(SdkClient.result(report, 9).path("isError").asBoolean(false)).isFalse();
        PetstoreServer.Seen delete = server.last("/api/v3/pet/7002");
        assertThat(delete.method()).isEqualTo("DELETE");
        assertThat(delete.headers()).containsEntry("api_key", "delete-key").containsEntry("X-Api-Key", "static-key")
                .containsEntry("Authorization", "Bearer " + PetstoreServer.TOKEN);
        PetstoreServer.Seen inventoryCall = server.last("/api/v3/store/inventory");
        assertThat(inventoryCall.headers()).doesNotContainKeys("X-Api-Key", "Authorization");

        // A missing required argument is a tool error the model can correct, and no request is sent.
        JsonNode invalid = SdkClient.result(report, 10);
        assertThat(invalid.path("isError").asBoolean()).isTrue();
        assertThat(text(invalid)).contains("missing required argument 'petId'");

        // Several values of an exploded query parameter: status=available&status=pending.
        assertThat(SdkClient.result(report, 12).at("/structuredContent/result").size()).isEqualTo(2);
        assertThat(server.last("/api/v3/pet/findByStatus").query()).isEqualTo("status=available&status=pending");

        // A tool override renames an operation; the call still reaches it.
        assertThat(text(SdkClient.result(report, 13))).isEqualTo("HTTP 200 (no content)");
        assertThat(server.last("/api/v3/user/logout").method()).isEqualTo("GET");
    }

    @Test
    void aReloadWithAnUnreadableDocumentIsRefused() throws Exception {
        String bad = OpenApiUpstreams.original.replace(PetstoreServer.DOCUMENT.toAbsolutePath().toString(),
                PetstoreServer.DOCUMENT.toAbsolutePath().resolveSibling("not-openapi.yaml").toString());
        try {
            Files.writeString(OpenApiUpstreams.config, bad);
            Thread.sleep(1000);
            assertThat(toolNames()).hasSize(20);
            // A good edit after it applies: the bad one was refused, not still pending.
            Files.writeString(OpenApiUpstreams.config, OpenApiUpstreams.original.replace("\"tools\": [\"getInventory\"]",
                    "\"tools\": [\"getInventory\", \"logoutUser\"]"));
            await().atMost(Duration.ofSeconds(20)).until(() -> toolNames().contains("remote__logoutUser"));
        } finally {
            Files.writeString(OpenApiUpstreams.config, OpenApiUpstreams.original);
            await().atMost(Duration.ofSeconds(20)).until(() -> toolNames().size() == 20);
        }
    }

    List<String> toolNames() {
        ObjectNode s = SdkClient.scenario();
        SdkClient.step(s, "listTools");
        List<String> names = new ArrayList<>();
        SdkClient.result(SdkClient.run(endpoint.toString(), s), 0).path("tools")
                .forEach(t -> names.add(t.path("name").asText()));
        return names;
    }

    static JsonNode tool(JsonNode tools, String name) {
        for (JsonNode t : tools) {
            if (t.path("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no tool " + name + " in " + tools);
    }
}
