package dev.mcpgateway.config.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.testing.HeaderRecordingUpstream;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The {@code kubernetes} config source against the Kubernetes mock server in CRUD mode, with the
 * MCPRoute CRD of {@code k8s/crd} registered: routes added, changed, refused (the status says why, the
 * last good configuration stays) and deleted; a rotated Secret reaching the backend; a route for
 * another Gateway left alone. Backends are real MCP servers on 127.0.0.1 that record what they receive.
 */
@QuarkusTest
@TestProfile(KubernetesRouteSourceTest.FromKubernetes.class)
@WithKubernetesTestServer(crud = true, setup = KubernetesRouteSourceTest.Crds.class)
@WithTestResource(KubernetesRouteSourceTest.Upstreams.class)
class KubernetesRouteSourceTest {

    static final String NS = "test";
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ResourceDefinitionContext ROUTES = new ResourceDefinitionContext.Builder()
            .withGroup("aigateway.envoyproxy.io").withVersion("v1beta1").withKind("MCPRoute").withPlural("mcproutes")
            .withNamespaced(true).build();
    static final ResourceDefinitionContext BACKENDS = new ResourceDefinitionContext.Builder()
            .withGroup("gateway.envoyproxy.io").withVersion("v1alpha1").withKind("Backend").withPlural("backends")
            .withNamespaced(true).build();

    public static class FromKubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mcp-gateway.config-source", "kubernetes", "mcp-gateway.kubernetes.debounce", "50ms");
        }
    }

    /** Registers the gateway's MCPRoute CRD, and Envoy Gateway's Backend kind, before the gateway starts. */
    public static class Crds implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            KubernetesClient client = server.getClient();
            try (var in = Files.newInputStream(Path.of("k8s/crd/mcproutes.aigateway.envoyproxy.io.yaml"))) {
                client.apiextensions().v1().customResourceDefinitions().load(in).create();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            client.resource(client.getKubernetesSerialization().unmarshal("""
                    apiVersion: apiextensions.k8s.io/v1
                    kind: CustomResourceDefinition
                    metadata: {name: backends.gateway.envoyproxy.io}
                    spec:
                      group: gateway.envoyproxy.io
                      names: {kind: Backend, plural: backends, singular: backend, listKind: BackendList}
                      scope: Namespaced
                      versions:
                      - name: v1alpha1
                        served: true
                        storage: true
                        schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                    """, CustomResourceDefinition.class)).create();
        }
    }

    public static class Upstreams implements QuarkusTestResourceLifecycleManager {
        static HeaderRecordingUpstream first;
        static HeaderRecordingUpstream second;

        @Override
        public Map<String, String> start() {
            first = new HeaderRecordingUpstream();
            second = new HeaderRecordingUpstream();
            return Map.of();
        }

        @Override
        public void stop() {
            first.close();
            second.close();
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    @TestHTTPResource("/")
    URI base;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    KubernetesClient client() {
        return server.getClient();
    }

    // ---------------------------------------------------------------- objects

    void backend(String name, HeaderRecordingUpstream upstream) {
        int port = URI.create(upstream.url()).getPort();
        apply(BACKENDS, """
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: %s, namespace: %s}
                spec:
                  endpoints:
                  - ip: {address: 127.0.0.1, port: %d}
                """.formatted(name, NS, port));
    }

    void secret(String name, String apiKey) {
        client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name).endMetadata()
                .addToStringData("apiKey", apiKey).build()).createOr(op -> op.update());
    }

    /** An MCPRoute for {@code gateway} at {@code path}; {@code backendRefs} is YAML, indented for the list. */
    void route(String name, String gateway, String path, String backendRefs) {
        apply(ROUTES, """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: %s, namespace: %s}
                spec:
                  parentRefs:
                  - {name: %s, kind: Gateway, group: gateway.networking.k8s.io}
                  path: %s
                  backendRefs:
                %s""".formatted(name, NS, gateway, path, backendRefs));
    }

    static String ref(String backend, String secret) {
        return "  - name: " + backend + "\n    kind: Backend\n    group: gateway.envoyproxy.io\n    path: /mcp\n"
                + (secret == null ? ""
                        : "    securityPolicy: {apiKey: {secretRef: {name: " + secret + "}, header: X-Api-Key}}\n");
    }

    void apply(ResourceDefinitionContext context, String yaml) {
        GenericKubernetesResource object = client().getKubernetesSerialization().unmarshal(yaml,
                GenericKubernetesResource.class);
        client().genericKubernetesResources(context).inNamespace(NS).resource(object).createOr(op -> op.update());
    }

    JsonNode routeObject(String name) {
        GenericKubernetesResource r = client().genericKubernetesResources(ROUTES).inNamespace(NS).withName(name).get();
        return r == null ? null : client().getKubernetesSerialization().convertValue(r, JsonNode.class);
    }

    JsonNode condition(String route, String type) {
        JsonNode r = routeObject(route);
        for (JsonNode c : r.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return MAPPER.createObjectNode();
    }

    // ---------------------------------------------------------------- MCP

    /** One MCP session on a route path. */
    final class Session {
        final String path;
        String id;

        Session(String path) throws Exception {
            this.path = path;
            HttpResponse<String> init = send(post("""
                    {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                     "capabilities":{},"clientInfo":{"name":"kubernetes-source-test","version":"1"}}}"""));
            assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
            id = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            send(post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
        }

        HttpRequest.Builder request() {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                    .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                    .header("MCP-Protocol-Version", "2025-06-18");
            return id == null ? b : b.header("Mcp-Session-Id", id);
        }

        HttpRequest post(String body) {
            return request().POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }

        JsonNode call(String body) throws Exception {
            String text = send(post(body)).body();
            String last = text;
            for (String line : text.split("\n")) {
                if (line.startsWith("data:") && line.length() > 6) {
                    last = line.substring(5).trim();
                }
            }
            return last.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(last);
        }

        List<String> tools() throws Exception {
            List<String> names = new ArrayList<>();
            call("{\"jsonrpc\":\"2.0\",\"id\":\"l\",\"method\":\"tools/list\"}").path("result").path("tools")
                    .forEach(t -> names.add(t.path("name").asText()));
            return names;
        }

        String ping(String tool) throws Exception {
            return call("""
                    {"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"%s","arguments":{}}}""".formatted(tool))
                    .path("result").path("content").path(0).path("text").asText();
        }

        /** Opens the session's GET stream and collects the list_changed notifications it carries. */
        List<String> listChanges() throws Exception {
            List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            HttpResponse<InputStream> stream = http.send(request().GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("data:") && line.contains("list_changed")) {
                            seen.add(MAPPER.readTree(line.substring(5).trim()).path("method").asText());
                        }
                    }
                } catch (Exception ignored) {
                    // The stream ends with the test.
                }
            });
            reader.setDaemon(true);
            reader.start();
            return seen;
        }
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    int initializeStatus(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",
                         "capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}"""))
                .build()).statusCode();
    }

    static final Duration WAIT = Duration.ofSeconds(15);

    // ---------------------------------------------------------------- tests

    @Test
    void routeAddedChangedAndDeleted() throws Exception {
        backend("one", Upstreams.first);
        backend("two", Upstreams.second);
        route("lifecycle", "mcp-gateway", "/k8s/lifecycle", ref("one", null));

        await().atMost(WAIT).until(() -> initializeStatus("/k8s/lifecycle") == 200);
        Session session = new Session("/k8s/lifecycle");
        assertThat(session.tools()).containsExactly("one__ping_me");
        long generation = routeObject("lifecycle").path("metadata").path("generation").asLong();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition("lifecycle", "Accepted").path("status").asText()).isEqualTo("True");
            assertThat(condition("lifecycle", "ResolvedRefs").path("status").asText()).isEqualTo("True");
            assertThat(condition("lifecycle", "Accepted").path("observedGeneration").asLong()).isEqualTo(generation);
            assertThat(routeObject("lifecycle").path("status").path("observedGeneration").asLong()).isEqualTo(generation);
        });

        List<String> changes = session.listChanges();
        route("lifecycle", "mcp-gateway", "/k8s/lifecycle", ref("one", null) + ref("two", null));
        await().atMost(WAIT).until(() -> changes.contains("notifications/tools/list_changed"));
        assertThat(session.tools()).containsExactly("one__ping_me", "two__ping_me");
        assertThat(session.ping("two__ping_me")).isEqualTo("pong");
        long changed = routeObject("lifecycle").path("metadata").path("generation").asLong();
        assertThat(changed).isGreaterThan(generation);
        await().atMost(WAIT).untilAsserted(
                () -> assertThat(condition("lifecycle", "Accepted").path("observedGeneration").asLong()).isEqualTo(changed));

        client().genericKubernetesResources(ROUTES).inNamespace(NS).withName("lifecycle").delete();
        await().atMost(WAIT).until(() -> initializeStatus("/k8s/lifecycle") == 404);
    }

    @Test
    void badRouteSaysWhyAndTheLastGoodStays() throws Exception {
        backend("steady", Upstreams.first);
        route("steady", "mcp-gateway", "/k8s/steady", ref("steady", null));
        await().atMost(WAIT).until(() -> initializeStatus("/k8s/steady") == 200);
        Session session = new Session("/k8s/steady");
        long good = routeObject("steady").path("metadata").path("generation").asLong();

        // Not caught by the CRD's schema: a backend name with the separator the gateway uses in tool names.
        route("steady", "mcp-gateway", "/k8s/steady", ref("stea__dy", null));
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode accepted = condition("steady", "Accepted");
            assertThat(accepted.path("status").asText()).isEqualTo("False");
            assertThat(accepted.path("reason").asText()).isEqualTo("Invalid");
            assertThat(accepted.path("message").asText()).startsWith("MCPRoute test/steady: spec.backendRefs[0].name: ")
                    .contains(fileMessage(ref("stea__dy", null))).endsWith("(generation " + good + " stays in force)");
        });
        assertThat(session.ping("steady__ping_me")).isEqualTo("pong");

        // A reference to a Backend that does not exist.
        route("steady", "mcp-gateway", "/k8s/steady", ref("missing", null));
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode resolved = condition("steady", "ResolvedRefs");
            assertThat(resolved.path("status").asText()).isEqualTo("False");
            assertThat(resolved.path("reason").asText()).isEqualTo("BackendNotFound");
            assertThat(resolved.path("message").asText()).contains("Backend test/missing");
            assertThat(condition("steady", "Accepted").path("reason").asText()).isEqualTo("UnresolvedRefs");
        });
        assertThat(session.tools()).containsExactly("steady__ping_me");

        route("steady", "mcp-gateway", "/k8s/steady", ref("steady", null));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition("steady", "Accepted").path("status").asText()).isEqualTo("True");
            assertThat(condition("steady", "ResolvedRefs").path("status").asText()).isEqualTo("True");
        });
    }

    /** The message the file source gives for the same route, after its location. */
    static String fileMessage(String backendRefs) {
        String yaml = """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: steady}
                spec:
                  path: /k8s/steady
                  backendRefs:
                %s""".formatted(backendRefs);
        try {
            McpRouteParser.parse("routes.yaml", yaml, name -> null);
            throw new AssertionError("the file parser accepted it");
        } catch (ConfigException e) {
            String m = e.getMessage();
            return m.substring(m.indexOf("spec.backendRefs[0].name: ") + "spec.backendRefs[0].name: ".length());
        }
    }

    @Test
    void rotatedSecretReachesTheBackend() throws Exception {
        backend("keyed", Upstreams.second);
        secret("keyed-key", "first-key");
        route("keyed", "mcp-gateway", "/k8s/keyed", ref("keyed", "keyed-key"));
        await().atMost(WAIT).until(() -> initializeStatus("/k8s/keyed") == 200);
        Session session = new Session("/k8s/keyed");
        assertThat(session.ping("keyed__ping_me")).isEqualTo("pong");
        assertThat(lastCallKey()).isEqualTo("first-key");

        secret("keyed-key", "rotated-key");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(session.ping("keyed__ping_me")).isEqualTo("pong");
            assertThat(lastCallKey()).isEqualTo("rotated-key");
        });
    }

    static String lastCallKey() {
        List<HeaderRecordingUpstream.Seen> calls = Upstreams.second.seen.stream()
                .filter(s -> "tools/call".equals(s.method())).toList();
        return calls.isEmpty() ? null : calls.getLast().headers().get("X-Api-Key");
    }

    @Test
    void routeForAnotherGatewayIsLeftAlone() throws Exception {
        backend("elsewhere", Upstreams.first);
        route("elsewhere", "envoy-ai-gateway", "/k8s/elsewhere", ref("elsewhere", null));
        // A route of ours applied after it: once it is served, the other one has been seen too.
        route("marker", "mcp-gateway", "/k8s/marker", ref("elsewhere", null));
        await().atMost(WAIT).until(() -> initializeStatus("/k8s/marker") == 200);
        await().atMost(WAIT).untilAsserted(
                () -> assertThat(condition("marker", "Accepted").path("status").asText()).isEqualTo("True"));

        assertThat(initializeStatus("/k8s/elsewhere")).isEqualTo(404);
        assertThat(routeObject("elsewhere").path("status").path("conditions").size()).isZero();
    }

    /** The other side of {@link FileSourceTest}: in this mode the client exists, where that test looks for it. */
    @Test
    void theClientExistsInThisMode() {
        List<Object> instances = new ArrayList<>();
        for (Class<? extends java.lang.annotation.Annotation> scope : List.of(jakarta.inject.Singleton.class,
                jakarta.enterprise.context.ApplicationScoped.class)) {
            instances.addAll(io.quarkus.arc.Arc.container().getActiveContext(scope).getState().getContextualInstances()
                    .values());
        }
        assertThat(instances).anyMatch(KubernetesClient.class::isInstance);
    }
}
