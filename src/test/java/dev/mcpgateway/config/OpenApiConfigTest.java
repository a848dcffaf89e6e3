package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A backend of type openapi in both configuration formats: the Petstore document's 19 operations
 * become tools with schemas and annotations, and a document that cannot be read is a
 * configuration error naming the file and the field.
 */
class OpenApiConfigTest {

    /** The configuration file name the fixtures are relative to. */
    static final String FILE = "src/test/resources/openapi/servers.json";

    static BackendConfig server(String json) throws ConfigException {
        return McpServersParser.parse(FILE, json, Map.<String, String>of()::get).routes().get(0).backends().get(0);
    }

    static BackendConfig petstore() throws ConfigException {
        return server("""
                {"mcpServers": {"pets": {"type": "openapi", "openapi": "petstore.yaml",
                  "baseUrl": "http://127.0.0.1:8080/api/v3/", "headers": {"X-Api-Key": "k1"}}}}""");
    }

    @Test
    void everyPetstoreOperationIsATool() throws Exception {
        BackendConfig b = petstore();
        assertThat(b.transport()).isEqualTo(TransportKind.OPENAPI);
        assertThat(b.url()).isEqualTo("http://127.0.0.1:8080/api/v3");
        assertThat(b.headers()).containsEntry("X-Api-Key", "k1");
        OpenApiSource api = b.openapi();
        assertThat(api.baseUrl()).isEqualTo("http://127.0.0.1:8080/api/v3");
        assertThat(api.title()).isEqualTo("Swagger Petstore - OpenAPI 3.0");
        // Without baseUrl, the document's first server.
        assertThat(server("""
                {"mcpServers": {"pets": {"type": "openapi", "openapi": "petstore.yaml"}}}""").url())
                .isEqualTo("https://petstore3.swagger.io/api/v3");
        assertThat(api.operations()).extracting(OpenApiOperation::tool).containsExactlyInAnyOrder("addPet", "updatePet",
                "findPetsByStatus", "findPetsByTags", "getPetById", "updatePetWithForm", "deletePet", "uploadFile",
                "getInventory", "placeOrder", "getOrderById", "deleteOrder", "createUser", "createUsersWithListInput",
                "loginUser", "logoutUser", "getUserByName", "updateUser", "deleteUser");

        JsonNode get = api.operation("getPetById").definition();
        assertThat(get.path("title").asText()).isEqualTo("Find pet by ID.");
        assertThat(get.path("description").asText()).startsWith("Find pet by ID.").contains("Returns a single pet.");
        assertThat(get.at("/inputSchema/properties/petId/type").asText()).isEqualTo("integer");
        assertThat(get.at("/inputSchema/properties/petId/description").asText()).isEqualTo("ID of pet to return");
        assertThat(get.at("/inputSchema/required/0").asText()).isEqualTo("petId");
        assertThat(get.at("/annotations/readOnlyHint").asBoolean()).isTrue();
        assertThat(get.at("/annotations/idempotentHint").asBoolean()).isTrue();

        // The request body is the argument "body", its schema with the $refs inlined.
        JsonNode add = api.operation("addPet").definition();
        assertThat(add.at("/annotations/readOnlyHint").asBoolean()).isFalse();
        assertThat(add.at("/annotations/idempotentHint").asBoolean()).isFalse();
        assertThat(add.at("/inputSchema/required").toString()).isEqualTo("[\"body\"]");
        JsonNode pet = add.at("/inputSchema/properties/body");
        assertThat(pet.path("required").toString()).contains("name", "photoUrls");
        assertThat(pet.at("/properties/category/properties/name/type").asText()).isEqualTo("string");
        assertThat(pet.at("/properties/tags/items/properties/id/format").asText()).isEqualTo("int64");
        assertThat(pet.at("/properties/status/enum").toString()).isEqualTo("[\"available\",\"pending\",\"sold\"]");
        assertThat(pet.toString()).doesNotContain("$ref", "\"xml\"", "\"example\"");
        OpenApiOperation addOp = api.operation("addPet");
        assertThat(addOp.body().kind()).isEqualTo(OpenApiOperation.Body.Kind.JSON);
        assertThat(addOp.body().mediaType()).isEqualTo("application/json");

        JsonNode tags = api.operation("findPetsByTags").definition();
        assertThat(tags.at("/inputSchema/properties/tags/type").asText()).isEqualTo("array");
        OpenApiOperation del = api.operation("deletePet");
        assertThat(del.parameters()).extracting(OpenApiOperation.Parameter::in).containsExactly("header", "path");
        assertThat(del.definition().at("/annotations/destructiveHint").asBoolean()).isTrue();
        OpenApiOperation upload = api.operation("uploadFile");
        assertThat(upload.body().kind()).isEqualTo(OpenApiOperation.Body.Kind.TEXT);
        assertThat(upload.body().mediaType()).isEqualTo("application/octet-stream");
        assertThat(api.operation("createUsersWithListInput").definition().at("/inputSchema/properties/body/type").asText())
                .isEqualTo("array");
    }

    @Test
    void mcpRouteBackendRefTakesAnOpenApiDocument() throws Exception {
        String yaml = """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: r, namespace: default}
                spec:
                  backendRefs:
                  - name: pets
                    openapi: {document: petstore.yaml, baseUrl: "http://127.0.0.1:8080/api/v3"}
                    securityPolicy: {apiKey: {inline: k2, header: X-Api-Key}}
                    toolSelector: {include: [getPetById, addPet]}
                """;
        BackendConfig b = McpRouteParser.parse("src/test/resources/openapi/route.yaml", yaml, Map.<String, String>of()::get)
                .routes().get(0).backends().get(0);
        assertThat(b.transport()).isEqualTo(TransportKind.OPENAPI);
        assertThat(b.url()).isEqualTo("http://127.0.0.1:8080/api/v3");
        assertThat(b.headers()).containsEntry("X-Api-Key", "k2");
        assertThat(b.openapi().operations()).hasSize(19);
        assertThat(b.tools().allows("getPetById")).isTrue();
        assertThat(b.tools().allows("deletePet")).isFalse();

        assertThatThrownBy(() -> McpRouteParser.parse("src/test/resources/openapi/route.yaml",
                yaml.replace("securityPolicy", "port: 80\n    securityPolicy"), Map.<String, String>of()::get))
                .isInstanceOf(ConfigException.class).hasMessageContaining("spec.backendRefs[0].port")
                .hasMessageContaining("openapi.baseUrl");
        assertThatThrownBy(() -> McpRouteParser.parse("src/test/resources/openapi/route.yaml",
                yaml.replace("baseUrl:", "baseURL:"), Map.<String, String>of()::get))
                .isInstanceOf(ConfigException.class).hasMessageContaining("baseURL");
    }

    @Test
    void aDocumentThatCannotBeReadIsAConfigurationError() {
        assertThatThrownBy(() -> server("""
                {"mcpServers": {"pets": {"type": "openapi", "openapi": "missing.yaml", "baseUrl": "http://127.0.0.1:1"}}}"""))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server \"pets\"")
                .hasMessageContaining("\"openapi\"").hasMessageContaining("no OpenAPI document at");
        assertThatThrownBy(() -> server(
                """
                        {"mcpServers": {"pets": {"type": "openapi", "openapi": "not-openapi.yaml", "baseUrl": "http://127.0.0.1:1"}}}"""))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"openapi\"")
                .hasMessageContaining("cannot read the OpenAPI document not-openapi.yaml")
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> server("""
                {"mcpServers": {"pets": {"type": "openapi", "baseUrl": "http://127.0.0.1:1"}}}"""))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"openapi\": required");
        assertThatThrownBy(() -> server("""
                {"mcpServers": {"pets": {"type": "openapi", "openapi": "petstore.yaml", "url": "http://127.0.0.1:1"}}}"""))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"baseUrl\"");
        assertThatThrownBy(() -> server("""
                {"mcpServers": {"pets": {"type": "openapi", "openapi": "petstore.yaml", "baseUrl": "ftp://x"}}}"""))
                .isInstanceOf(ConfigException.class).hasMessageContaining("expected an http:// or https:// URL");
    }

    @Test
    void aSwagger2DocumentIsConverted(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("v2.yaml"), """
                swagger: "2.0"
                info: {title: old, version: "1"}
                host: api.example.test
                basePath: /v2
                schemes: [https]
                paths:
                  /things/{id}:
                    get:
                      operationId: getThing
                      parameters:
                      - {name: id, in: path, required: true, type: integer}
                      - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
                      responses: {"200": {description: ok}}
                """);
        BackendConfig b = McpServersParser.parse(dir.resolve("servers.json").toString(), """
                {"mcpServers": {"old": {"openapi": "v2.yaml"}}}""", Map.<String, String>of()::get).routes().get(0)
                .backends().get(0);
        assertThat(b.url()).isEqualTo("https://api.example.test/v2");
        OpenApiOperation op = b.openapi().operation("getThing");
        assertThat(op.definition().at("/inputSchema/properties/id/type").asText()).isEqualTo("integer");
        assertThat(op.definition().at("/inputSchema/properties/tags/type").asText()).isEqualTo("array");
        assertThat(op.parameters().get(1).explode()).isTrue();
    }

    @Test
    void namesStylesRecursionAndServerDefaults(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("api.json"), """
                {"openapi": "3.1.0", "info": {"title": "t", "version": "2"},
                 "servers": [{"url": "https://{host}/v1", "variables": {"host": {"default": "api.example.test"}}}],
                 "paths": {
                   "/items/{id}": {
                     "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                     "get": {"parameters": [{"name": "id", "in": "query", "schema": {"type": "integer"}},
                                            {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
                                            {"name": "filter", "in": "query", "style": "deepObject",
                                             "schema": {"type": "object"}}]},
                     "put": {"operationId": "put item: by id!!", "requestBody": {"required": true,
                             "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}
                   },
                   "/tree": {"post": {"operationId": "put item: by id__", "requestBody": {"content": {"application/json":
                             {"schema": {"$ref": "#/components/schemas/Node"}}}}}}
                 },
                 "components": {"schemas": {"Node": {"type": "object", "properties": {
                     "label": {"type": ["string", "null"]},
                     "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}}
                """);
        BackendConfig b = McpServersParser.parse(dir.resolve("servers.json").toString(), """
                {"mcpServers": {"api": {"openapi": "api.json"}}}""", Map.<String, String>of()::get).routes().get(0)
                .backends().get(0);
        assertThat(b.transport()).isEqualTo(TransportKind.OPENAPI);
        assertThat(b.url()).isEqualTo("https://api.example.test/v1");
        List<OpenApiOperation> ops = b.openapi().operations();
        assertThat(ops).extracting(OpenApiOperation::tool).containsExactly("get_items_id", "put_item_by_id",
                "put_item_by_id_2");
        OpenApiOperation get = ops.get(0);
        // The Authorization header parameter is ignored, as OpenAPI says; the query id is renamed.
        assertThat(get.parameters()).extracting(OpenApiOperation.Parameter::argument).containsExactly("id", "query_id",
                "filter");
        assertThat(get.parameters().get(2).style()).isEqualTo("deepObject");
        assertThat(get.definition().path("description").asText()).isEqualTo("GET /items/{id}");
        assertThat(ops.get(1).body().kind()).isEqualTo(OpenApiOperation.Body.Kind.FORM);
        assertThat(ops.get(1).definition().at("/annotations/idempotentHint").asBoolean()).isTrue();
        JsonNode tree = ops.get(2).definition().path("inputSchema");
        assertThat(tree.at("/properties/body/properties/children/items/$ref").asText()).isEqualTo("#/$defs/Node");
        assertThat(tree.at("/$defs/Node/properties/children/items/$ref").asText()).isEqualTo("#/$defs/Node");
        assertThat(tree.at("/$defs/Node/properties/label/type").toString()).isEqualTo("[\"string\",\"null\"]");

        // A server URL relative to a file leads nowhere: baseUrl is then required.
        Files.writeString(dir.resolve("api.json"), Files.readString(dir.resolve("api.json"))
                .replace("https://{host}/v1", "/v1"));
        assertThatThrownBy(() -> McpServersParser.parse(dir.resolve("servers.json").toString(), """
                {"mcpServers": {"api": {"openapi": "api.json"}}}""", Map.<String, String>of()::get))
                .isInstanceOf(ConfigException.class).hasMessageContaining("\"baseUrl\": required");
    }
}
