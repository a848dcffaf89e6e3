package dev.mcpgateway.config.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.GatewayCluster;
import dev.mcpgateway.testing.HeaderRecordingUpstream;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * Two replicas of the packaged gateway behind HAProxy, both reading routes from one Kubernetes API
 * (the mock server in CRUD mode, on 127.0.0.1): each replica installs a route change itself, and a
 * session whose streams one of them pumps is told its lists changed, wherever its client connects.
 */
class KubernetesSourceClusterIT {

    static final String NS = "test";
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ResourceDefinitionContext ROUTES = KubernetesRouteSourceTest.ROUTES;

    static KubernetesServer api;
    static HeaderRecordingUpstream one;
    static HeaderRecordingUpstream two;
    static GatewayCluster cluster;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(GatewayCluster.haproxyInstalled(), "HAProxy is not installed");
        api = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
        api.before();
        new KubernetesRouteSourceTest.Crds().accept(api);
        one = new HeaderRecordingUpstream();
        two = new HeaderRecordingUpstream();
        backend("one", one);
        backend("two", two);
        route(KubernetesRouteSourceTest.ref("one", null));
        cluster = GatewayCluster.start("k8s-source", 2, """
                {"mcpServers": {"ignored": {"url": "http://127.0.0.1:9/mcp"}}}""",
                GatewayCluster.env("MCP_GATEWAY_CONFIG_SOURCE", "kubernetes", "MCP_GATEWAY_KUBERNETES_DEBOUNCE", "50ms",
                        // The client's own settings (quarkus.kubernetes-client.* are fixed at build time).
                        "KUBERNETES_MASTER", client().getMasterUrl().toString(), "KUBERNETES_NAMESPACE", NS,
                        "KUBERNETES_AUTH_TRYKUBECONFIG", "false", "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (api != null) {
            api.after();
        }
        if (one != null) {
            one.close();
            two.close();
        }
    }

    static KubernetesClient client() {
        return api.getClient();
    }

    static void backend(String name, HeaderRecordingUpstream upstream) {
        apply(new ResourceDefinitionContext.Builder().withGroup("gateway.envoyproxy.io").withVersion("v1alpha1")
                .withKind("Backend").withPlural("backends").withNamespaced(true).build(), """
                        apiVersion: gateway.envoyproxy.io/v1alpha1
                        kind: Backend
                        metadata: {name: %s, namespace: %s}
                        spec:
                          endpoints:
                          - ip: {address: 127.0.0.1, port: %d}
                        """.formatted(name, NS, URI.create(upstream.url()).getPort()));
    }

    static void route(String backendRefs) {
        apply(ROUTES, """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: shared, namespace: %s}
                spec:
                  parentRefs:
                  - {name: mcp-gateway}
                  path: /shared
                  backendRefs:
                %s""".formatted(NS, backendRefs));
    }

    static void apply(ResourceDefinitionContext context, String yaml) {
        GenericKubernetesResource object = client().getKubernetesSerialization().unmarshal(yaml,
                GenericKubernetesResource.class);
        client().genericKubernetesResources(context).inNamespace(NS).resource(object).createOr(op -> op.update());
    }

    HttpRequest.Builder request(String url, String session) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .header("MCP-Protocol-Version", "2025-06-18");
        return session == null ? b : b.header("Mcp-Session-Id", session);
    }

    HttpResponse<String> post(String url, String session, String body) throws Exception {
        return http.send(request(url, session).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
             "clientInfo":{"name":"kubernetes-cluster-it","version":"1"}}}""";

    /** The tools the gateway at {@code url} lists on a session of its own. */
    List<String> tools(String url) throws Exception {
        HttpResponse<String> init = post(url, null, INITIALIZE);
        if (init.statusCode() != 200) {
            return List.of("HTTP " + init.statusCode());
        }
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(url, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        String body = post(url, session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").body();
        String json = body;
        for (String line : body.split("\n")) {
            if (line.startsWith("data:") && line.length() > 6) {
                json = line.substring(5).trim();
            }
        }
        List<String> names = new ArrayList<>();
        MAPPER.readTree(json).path("result").path("tools").forEach(t -> names.add(t.path("name").asText()));
        return names;
    }

    @Test
    void everyReplicaInstallsARouteChangeAndOpenSessionsAreTold() throws Exception {
        for (int i = 0; i < 2; i++) {
            String url = cluster.replica(i) + "/shared";
            await().atMost(Duration.ofSeconds(20)).until(() -> tools(url).equals(List.of("one__ping_me")));
        }
        // A session through the load balancer, its GET stream pumped by whichever replica serves it.
        HttpResponse<String> init = post(cluster.lb("/shared"), null, INITIALIZE);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(cluster.lb("/shared"), session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        List<String> notifications = new CopyOnWriteArrayList<>();
        HttpResponse<InputStream> stream = http.send(request(cluster.lb("/shared"), session).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data:") && line.contains("list_changed")) {
                        notifications.add(MAPPER.readTree(line.substring(5).trim()).path("method").asText());
                    }
                }
            } catch (Exception ignored) {
                // The stream ends with the test.
            }
        });
        reader.setDaemon(true);
        reader.start();

        route(KubernetesRouteSourceTest.ref("one", null) + KubernetesRouteSourceTest.ref("two", null));
        for (int i = 0; i < 2; i++) {
            String url = cluster.replica(i) + "/shared";
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> tools(url).equals(List.of("one__ping_me", "two__ping_me")));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> notifications.contains("notifications/tools/list_changed"));
        assertThat(notifications.stream().filter("notifications/tools/list_changed"::equals).count())
                .as("told once, by the replica pumping the session").isEqualTo(1);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            GenericKubernetesResource route = client().genericKubernetesResources(ROUTES).inNamespace(NS)
                    .withName("shared").get();
            JsonNode status = client().getKubernetesSerialization().convertValue(route, JsonNode.class).path("status");
            assertThat(status.path("observedGeneration").asLong()).isEqualTo(route.getMetadata().getGeneration());
            assertThat(status.path("conditions").get(0).path("status").asText()).isEqualTo("True");
        });
        // Informers deliver events while the others still start: no rebuild may trip over that.
        for (int i = 0; i < 2; i++) {
            assertThat(java.nio.file.Files.readString(cluster.work().resolve("replica" + i + ".log")))
                    .doesNotContain("Building routes from the Kubernetes API failed").contains("Route /shared: 2 backend(s)");
        }
    }
}
