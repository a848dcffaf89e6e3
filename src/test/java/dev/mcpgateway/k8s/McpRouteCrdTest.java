package dev.mcpgateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.k8s.Manifests.Doc;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

/**
 * The MCPRoute CRD's OpenAPI schema accepts the example routes (examples/mcp-route.yaml, the
 * ConfigMap in k8s/base, one using every field) and rejects what the gateway rejects.
 */
class McpRouteCrdTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CRD = Manifests.ROOT.resolve("crd/mcproutes.aigateway.envoyproxy.io.yaml");

    /** Every field this gateway reads, in one route. */
    static final String FULL = """
            apiVersion: aigateway.envoyproxy.io/v1beta1
            kind: MCPRoute
            metadata: {name: full, namespace: team}
            spec:
              parentRefs: [{name: gw, kind: Gateway, group: gateway.networking.k8s.io}]
              path: /team/mcp
              prefixMode: conditional
              toolDiscovery: search
              backendRefs:
              - name: tools
                kind: Backend
                group: gateway.envoyproxy.io
                path: /mcp
                toolSelector: {include: [a], includeRegex: ["^b"], exclude: [c], excludeRegex: ["d$"]}
                securityPolicy: {apiKey: {inline: k, queryParam: api_key}}
                forwardHeaders: [{name: X-User-Token, backendHeader: X-Upstream-Token}]
                toolOverrides:
                  a: {name: alpha, title: Alpha, description: The first tool, annotations: {readOnlyHint: true}}
                circuitBreaker: {failureThreshold: 5, openFor: 30s}
                maxConcurrent: 64
                failureMode: failClosed
                hideToolsWhenOpen: true
              - name: svc
                port: 8080
                securityPolicy: {apiKey: {secretRef: {name: s, namespace: team}, header: X-Api-Key}}
              securityPolicy:
                oauth:
                  issuer: https://idp.example.com/realms/mcp
                  audiences: [mcp]
                  jwks: {remoteJWKS: {uri: https://idp.example.com/realms/mcp/certs}}
                  protectedResourceMetadata:
                    resource: https://gw.example.com/team/mcp
                    resourceName: Team tools
                    scopesSupported: [mcp:tools]
                    resourceSigningAlgValuesSupported: [RS256]
                    resourceDocumentation: https://gw.example.com/docs
                    resourcePolicyUri: https://gw.example.com/policy
                  claimToHeaders: [{claim: sub, header: X-User}]
                  dpop: {required: true, algorithms: [ES256, EdDSA], proofLifetime: 30s}
                apiKeyAuth:
                  credentialRefs: [{name: clients}]
                  extractFrom: [{headers: [X-Key]}]
                  forwardClientIDHeader: X-Client
                  sanitize: true
                authorization:
                  defaultAction: Deny
                  rules:
                  - source: {jwt: {scopes: [a], claims: [{name: tenant, valueType: String, values: [acme]}]}}
                    target: {tools: [{backend: tools, tool: a}]}
                    action: Allow
            ---
            apiVersion: gateway.envoyproxy.io/v1alpha1
            kind: Backend
            metadata: {name: tools, namespace: team}
            spec: {endpoints: [{fqdn: {hostname: tools.example.com, port: 8443}}], tls: {insecureSkipVerify: true}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: s, namespace: team}
            stringData: {apiKey: x}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: clients, namespace: team}
            stringData: {alice: k}
            """;

    /** A compiled JSON Schema (draft 4, as OpenAPI v3 schemas of CRDs are): the errors, empty when valid. */
    interface JsonSchema {
        Set<String> validate(JsonNode instance);
    }

    static JsonSchema compile(JsonNode schema) {
        io.vertx.json.schema.Validator validator = io.vertx.json.schema.Validator.create(
                io.vertx.json.schema.JsonSchema.of(new io.vertx.core.json.JsonObject(schema.toString())),
                new io.vertx.json.schema.JsonSchemaOptions().setDraft(io.vertx.json.schema.Draft.DRAFT4)
                        .setBaseUri("https://mcp-gateway.invalid/").setOutputFormat(io.vertx.json.schema.OutputFormat.Basic));
        return instance -> {
            io.vertx.json.schema.OutputUnit out = validator.validate(new io.vertx.core.json.JsonObject(instance.toString()));
            Set<String> errors = new java.util.TreeSet<>();
            if (!Boolean.TRUE.equals(out.getValid())) {
                if (out.getErrors() == null || out.getErrors().isEmpty()) {
                    errors.add(String.valueOf(out.getError()));
                } else {
                    out.getErrors().forEach(e -> errors.add(e.getInstanceLocation() + ": " + e.getError()));
                }
            }
            return errors;
        };
    }

    static Map<String, JsonSchema> schemas() {
        Doc doc = Manifests.read(CRD).get(0);
        CustomResourceDefinition crd = ManifestsTest.typed(doc, CustomResourceDefinition.class);
        assertThat(crd.getSpec().getGroup()).isEqualTo("aigateway.envoyproxy.io");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("MCPRoute");
        assertThat(crd.getMetadata().getName()).isEqualTo("mcproutes.aigateway.envoyproxy.io");
        Map<String, JsonSchema> out = new java.util.TreeMap<>();
        for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
            JsonNode schema = JSON.valueToTree(v.getSchema().getOpenAPIV3Schema());
            // Kubernetes' own keywords (CEL rules, pruning) mean nothing to a JSON Schema validator.
            stripKubernetesKeywords(schema);
            out.put(crd.getSpec().getGroup() + "/" + v.getName(), compile(schema));
        }
        assertThat(out.keySet()).containsExactly("aigateway.envoyproxy.io/v1alpha1", "aigateway.envoyproxy.io/v1beta1");
        assertThat(crd.getSpec().getVersions()).filteredOn(CustomResourceDefinitionVersion::getStorage)
                .extracting(CustomResourceDefinitionVersion::getName).containsExactly("v1beta1");
        return out;
    }

    private static void stripKubernetesKeywords(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove(List.copyOf(
                    o.properties().stream().map(Map.Entry::getKey).filter(k -> k.startsWith("x-kubernetes-")).toList()));
        }
        node.forEach(McpRouteCrdTest::stripKubernetesKeywords);
    }

    static List<JsonNode> routes(Path file) {
        return Manifests.read(file).stream().filter(d -> d.kind().equals("MCPRoute")).map(d -> (JsonNode) d.json()).toList();
    }

    static List<JsonNode> routes(String yaml) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        var it = Manifests.YAML.readValues(Manifests.YAML.getFactory().createParser(yaml), JsonNode.class);
        while (it.hasNextValue()) {
            JsonNode n = it.nextValue();
            if (n != null && n.path("kind").asText().equals("MCPRoute")) {
                out.add(n);
            }
        }
        return out;
    }

    static Set<String> validate(Map<String, JsonSchema> schemas, JsonNode route) {
        JsonSchema schema = schemas.get(route.path("apiVersion").asText());
        assertThat(schema).as("a served version for " + route.path("apiVersion")).isNotNull();
        return schema.validate(route);
    }

    @Test
    void theExampleRoutesValidate() throws Exception {
        Map<String, JsonSchema> schemas = schemas();
        List<JsonNode> examples = new ArrayList<>(routes(Path.of("examples/mcp-route.yaml")));
        Doc configMap = Manifests.find(Manifests.readAll(Manifests.ROOT.resolve("base")), "ConfigMap", "mcp-gateway-routes");
        configMap.json().path("data").forEach(text -> {
            try {
                examples.addAll(routes(text.asText()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        examples.addAll(routes(FULL));
        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (JsonNode route : examples) {
            assertThat(validate(schemas, route)).as(route.path("metadata").toString()).isEmpty();
            // Both served versions describe the same object.
            for (JsonSchema schema : schemas.values()) {
                assertThat(schema.validate(route)).isEmpty();
            }
        }
        // The full route is also one the gateway loads.
        assertThat(McpRouteParser.parse("full.yaml", FULL, Map.<String, String>of()::get).routes().get(0).backends())
                .hasSize(2);
        assertThat(McpRouteParser.parse("full.yaml", FULL, Map.<String, String>of()::get).routes().get(0).toolDiscovery())
                .isEqualTo(dev.mcpgateway.config.ToolDiscovery.SEARCH);
    }

    @Test
    void theSchemaRejectsWhatTheGatewayRejects() throws Exception {
        Map<String, JsonSchema> schemas = schemas();
        JsonNode full = routes(FULL).get(0);
        List<Consumer<ObjectNode>> breakages = List.of(
                spec -> spec.remove("backendRefs"),
                spec -> spec.withArray("backendRefs").removeAll(),
                spec -> spec.put("path", "mcp"),
                spec -> spec.put("prefixMode", "sometimes"),
                spec -> spec.put("toolDiscovery", "browse"),
                spec -> ((ObjectNode) spec.withArray("backendRefs").get(0)).put("path", 3),
                spec -> ((ObjectNode) spec.withArray("backendRefs").get(0)).put("kind", "HTTPRoute"),
                spec -> ((ObjectNode) spec.withArray("backendRefs").get(0)).put("name", "a__b c"),
                spec -> ((ObjectNode) spec.withArray("backendRefs").get(1)).put("port", 70000),
                spec -> ((ObjectNode) spec.withArray("backendRefs").get(0)).put("failureMode", "failSometimes"),
                spec -> ((ObjectNode) spec.withArray("backendRefs").get(0)).put("maxConcurrent", 0),
                spec -> spec.withObject("/backendRefs/0/circuitBreaker").remove("failureThreshold"),
                spec -> spec.withObject("/backendRefs/0/securityPolicy/apiKey").putObject("secretRef").put("name", "s"),
                spec -> spec.withObject("/backendRefs/0/securityPolicy/apiKey").remove("inline"),
                spec -> spec.withObject("/backendRefs/1/securityPolicy/apiKey").put("queryParam", "k"),
                spec -> spec.withObject("/backendRefs/0/toolOverrides/a").put("name", "a b"),
                spec -> spec.withObject("/backendRefs/0/toolOverrides/a/annotations").put("readOnlyHint", "yes"),
                spec -> spec.withObject("/securityPolicy/oauth").remove("issuer"),
                spec -> spec.withObject("/securityPolicy/oauth").remove("protectedResourceMetadata"),
                spec -> spec.withObject("/securityPolicy/oauth/jwks").putObject("localJWKS").put("inline", "{}"),
                spec -> spec.withObject("/securityPolicy/oauth/dpop").putArray("algorithms").add("HS256"),
                spec -> spec.withObject("/securityPolicy/oauth/dpop").put("proofLifetime", "soon"),
                spec -> spec.withObject("/securityPolicy/oauth/dpop").put("required", "yes"),
                spec -> spec.withObject("/securityPolicy/authorization").put("defaultAction", "Maybe"),
                spec -> spec.withObject("/securityPolicy/authorization/rules/0/source/jwt").removeAll(),
                spec -> spec.withObject("/securityPolicy/authorization/rules/0/source/jwt/claims/0").put("valueType",
                        "Number"));
        int i = 0;
        for (Consumer<ObjectNode> breakage : breakages) {
            ObjectNode route = full.deepCopy();
            breakage.accept((ObjectNode) route.get("spec"));
            assertThat(validate(schemas, route)).as("breakage " + i + ": " + route.get("spec")).isNotEmpty();
            // ...and the gateway refuses the same route.
            String yaml = Manifests.YAML.writeValueAsString(route) + FULL.substring(FULL.indexOf("---"));
            int n = i;
            org.assertj.core.api.Assertions
                    .assertThatThrownBy(() -> McpRouteParser.parse("broken.yaml", yaml, Map.<String, String>of()::get))
                    .as("breakage " + n).isInstanceOf(ConfigException.class);
            i++;
        }
    }

    @Test
    void everySchemaNodeDeclaresItsType() {
        Doc doc = Manifests.read(CRD).get(0);
        for (JsonNode version : doc.json().at("/spec/versions")) {
            List<String> untyped = new ArrayList<>();
            walk(version.at("/schema/openAPIV3Schema"), "", untyped);
            // Kubernetes requires a structural schema: every property and item says what it is.
            assertThat(untyped).as(version.path("name").asText()).isEmpty();
        }
    }

    private static void walk(JsonNode schema, String path, List<String> untyped) {
        if (!schema.has("type") && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
            untyped.add(path.isEmpty() ? "(root)" : path);
        }
        Iterator<Map.Entry<String, JsonNode>> props = schema.path("properties").fields();
        while (props.hasNext()) {
            var e = props.next();
            walk(e.getValue(), path + "." + e.getKey(), untyped);
        }
        if (schema.has("items")) {
            walk(schema.get("items"), path + "[]", untyped);
        }
    }
}
