package dev.mcpgateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.k8s.Manifests.Doc;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The overlay that reads routes from the Kubernetes API: the gateway is set to that source, may read
 * what it watches and patch route status and nothing more, and the example routes build.
 */
class KubernetesRoutesOverlayTest {

    static final KubernetesSerialization K8S = new KubernetesSerialization();
    static final String NS = "mcp-gateway";

    static List<Doc> built() {
        return Manifests.kustomize(Manifests.ROOT.resolve("overlays/kubernetes-routes"));
    }

    static <T> T typed(Doc doc, Class<T> type) {
        return K8S.unmarshal(doc.json().toString(), type);
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    @Test
    void theGatewayReadsRoutesFromTheApiWithItsServiceAccount() {
        List<Doc> docs = built();
        Deployment deployment = typed(Manifests.find(docs, "Deployment", "mcp-gateway"), Deployment.class);
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertThat(env(c, "MCP_GATEWAY_CONFIG_SOURCE")).isEqualTo("kubernetes");
        assertThat(env(c, "MCP_GATEWAY_KUBERNETES_GATEWAY_NAME")).isEqualTo("mcp-gateway");
        assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotContain("MCP_GATEWAY_CONFIG_FILE",
                "MCP_GATEWAY_SECRETS_DIR");
        // The patches address env entries and mounts by position: the rest must be untouched.
        assertThat(env(c, "MCP_GATEWAY_STORE")).isEqualTo("infinispan");
        assertThat(c.getEnv()).extracting(EnvVar::getName).contains("MCP_GATEWAY_SIGNING_KEY", "QUARKUS_HTTP_PORT",
                "QUARKUS_INFINISPAN_CLIENT_PASSWORD");
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp");
        assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(pod.getAutomountServiceAccountToken()).isTrue();
        assertThat(pod.getServiceAccountName()).isEqualTo("mcp-gateway");
        assertThat(typed(Manifests.find(docs, "ServiceAccount", "mcp-gateway"), ServiceAccount.class)
                .getAutomountServiceAccountToken()).isTrue();
    }

    @Test
    void theRoleGrantsReadingWhatIsWatchedAndPatchingRouteStatusOnly() {
        List<Doc> docs = built();
        Role role = typed(Manifests.find(docs, "Role", "mcp-gateway-routes"), Role.class);
        Map<String, List<String>> granted = new TreeMap<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getResourceNames()).isEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    granted.computeIfAbsent(group + "/" + resource, k -> new ArrayList<>()).addAll(rule.getVerbs());
                }
            }
        }
        List<String> read = List.of("get", "list", "watch");
        assertThat(granted).isEqualTo(Map.of("aigateway.envoyproxy.io/mcproutes", read,
                "aigateway.envoyproxy.io/mcproutes/status", List.of("patch"), "gateway.envoyproxy.io/backends", read,
                "gateway.networking.k8s.io/backendtlspolicies", read, "/secrets", read, "/configmaps", read));

        RoleBinding binding = typed(Manifests.find(docs, "RoleBinding", "mcp-gateway-routes"), RoleBinding.class);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo("mcp-gateway");
            assertThat(s.getNamespace()).isEqualTo(NS);
        });
        assertThat(Manifests.all(docs, "ClusterRole")).isEmpty();
        assertThat(Manifests.all(docs, "ClusterRoleBinding")).isEmpty();
    }

    @Test
    void theExampleRoutesNameTheGatewayAndBuild() {
        List<Doc> docs = new ArrayList<>(built());
        docs.addAll(Manifests.read(Manifests.ROOT.resolve("overlays/kubernetes-routes/backends.yaml")));
        // As the API server holds them: every object in the gateway's namespace.
        List<JsonNode> objects = new ArrayList<>();
        List<JsonNode> routes = new ArrayList<>();
        for (Doc d : docs) {
            ObjectNode o = d.json().deepCopy();
            o.with("metadata").put("namespace", NS);
            if (d.kind().equals("MCPRoute")) {
                routes.add(o);
            } else if (List.of("Backend", "BackendTLSPolicy", "Secret", "ConfigMap").contains(d.kind())) {
                objects.add(o);
            }
        }
        assertThat(routes).hasSize(2);
        for (JsonNode route : routes) {
            assertThat(route.at("/spec/parentRefs/0/name").asText()).isEqualTo("mcp-gateway");
            McpRouteParser.ObjectRoute built = McpRouteParser.fromObjects(route, objects);
            assertThat(built.error()).as(route.at("/metadata/name").asText()).isNull();
        }
        var remote = McpRouteParser.fromObjects(routes.get(1), objects).route();
        assertThat(remote.backend("github").headers()).containsEntry("Authorization", "Bearer replace-with-a-github-token");
        assertThat(remote.backend("github").tls().serverName()).isEqualTo("api.githubcopilot.com");
    }
}
