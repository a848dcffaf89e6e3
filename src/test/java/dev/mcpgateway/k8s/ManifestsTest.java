package dev.mcpgateway.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.k8s.Manifests.Doc;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.Route;

/**
 * Every manifest under k8s/ parses into a typed Kubernetes object with no field the type does not
 * know; the pieces refer to each other correctly; both overlays build.
 */
class ManifestsTest {

    static final KubernetesSerialization K8S = new KubernetesSerialization();
    /** Custom resources of operators (and Envoy's gateways) whose models are not on the classpath. */
    static final Set<String> OPERATOR_GROUPS = Set.of("infinispan.org", "aigateway.envoyproxy.io", "gateway.envoyproxy.io");

    static <T> T typed(Doc doc, Class<T> type) {
        return K8S.unmarshal(doc.json().toString(), type);
    }

    @Test
    void everyManifestParsesIntoTypedKubernetesObjects() {
        List<String> seen = new ArrayList<>();
        for (Path file : Manifests.files()) {
            List<Doc> docs = Manifests.read(file);
            assertThat(docs).as(file.toString()).isNotEmpty();
            for (Doc doc : docs) {
                String apiVersion = doc.json().path("apiVersion").asText();
                assertThat(apiVersion).as(doc + ": apiVersion").isNotEmpty();
                assertThat(doc.name()).as(doc + ": metadata.name").isNotEmpty();
                HasMetadata object = K8S.unmarshal(doc.json().toString(), HasMetadata.class);
                String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                if (OPERATOR_GROUPS.contains(group)) {
                    assertThat(object).as(doc.toString()).isInstanceOf(GenericKubernetesResource.class);
                } else {
                    assertThat(object).as(doc + " has a typed model").isNotInstanceOf(GenericKubernetesResource.class);
                    assertNoUnknownFields(object, doc.toString());
                }
                seen.add(object.getKind());
            }
        }
        assertThat(seen).contains("CustomResourceDefinition", "Deployment", "Service", "ConfigMap", "Secret",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "Route", "Ingress", "Infinispan", "Cache");
    }

    @Test
    void aMisspelledFieldIsCaught() {
        Doc doc = Manifests.find(Manifests.readAll(Manifests.ROOT.resolve("base")), "Deployment", "mcp-gateway");
        Doc broken = new Doc(doc.file(), doc.index(), doc.json().deepCopy());
        ((ObjectNode) broken.json().withArray("/spec/template/spec/containers").get(0)).putObject("readinesProbe")
                .put("periodSeconds", 5);
        List<String> problems = new ArrayList<>();
        collectUnknownFields(K8S.unmarshal(broken.json().toString(), HasMetadata.class), "deployment", problems);
        assertThat(problems).singleElement().asString().contains("readinesProbe");
    }

    @Test
    void theGatewayDeploymentIsWiredToItsConfigSecretsAndStore() throws Exception {
        List<Doc> base = Manifests.readAll(Manifests.ROOT.resolve("base"));
        Deployment deployment = typed(Manifests.find(base, "Deployment", "mcp-gateway"), Deployment.class);
        var pod = deployment.getSpec().getTemplate();
        Map<String, String> podLabels = pod.getMetadata().getLabels();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(podLabels);
        Container c = pod.getSpec().getContainers().get(0);

        assertThat(c.getImage()).isEqualTo(expectedImage());
        assertThat(c.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(Integer.parseInt(env(c, "QUARKUS_HTTP_PORT").getValue()));
        });
        assertThat(env(c, "QUARKUS_HTTP_HOST").getValue()).isEqualTo("0.0.0.0");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
        for (var probe : List.of(c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        }
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        var antiAffinity = pod.getSpec().getAffinity().getPodAntiAffinity();
        assertThat(antiAffinity.getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
                .satisfies(t -> assertThat(podLabels)
                        .containsAllEntriesOf(t.getPodAffinityTerm().getLabelSelector().getMatchLabels()));

        // Every Secret key and ConfigMap the pod uses exists in the base.
        for (EnvVar e : c.getEnv()) {
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                assertThat(secretData(typed(Manifests.find(base, "Secret", ref.getName()), Secret.class)))
                        .as(e.getName()).containsKey(ref.getKey());
            }
        }
        assertThat(env(c, "MCP_GATEWAY_STORE").getValue()).isEqualTo("infinispan");
        String configFile = env(c, "MCP_GATEWAY_CONFIG_FILE").getValue();
        VolumeMount routesMount = mountOf(c, Path.of(configFile).getParent().toString());
        Volume routes = volume(deployment, routesMount.getName());
        ConfigMap configMap = typed(Manifests.find(base, "ConfigMap", routes.getConfigMap().getName()), ConfigMap.class);
        assertThat(configMap.getData()).containsKey(Path.of(configFile).getFileName().toString());
        assertThat(routesMount.getSubPath()).as("a subPath mount would never see ConfigMap updates").isNull();

        Service service = typed(Manifests.find(base, "Service", "mcp-gateway"), Service.class);
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));

        HorizontalPodAutoscaler hpa = typed(Manifests.find(base, "HorizontalPodAutoscaler", "mcp-gateway"),
                HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("mcp-gateway");
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
        assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(3);

        PodDisruptionBudget pdb = typed(Manifests.find(base, "PodDisruptionBudget", "mcp-gateway"), PodDisruptionBudget.class);
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isBetween(1, 2);
    }

    @Test
    void theInfinispanClusterMatchesTheGatewaysHotRodSettingsAndCaches() throws Exception {
        List<Doc> base = Manifests.readAll(Manifests.ROOT.resolve("base"));
        Container c = typed(Manifests.find(base, "Deployment", "mcp-gateway"), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        List<Doc> clusters = Manifests.all(base, "Infinispan");
        assertThat(clusters).hasSize(1);
        JsonNode infinispan = clusters.get(0).json();
        assertThat(infinispan.path("apiVersion").asText()).isEqualTo("infinispan.org/v1");
        String clusterName = clusters.get(0).name();
        assertThat(env(c, "QUARKUS_INFINISPAN_CLIENT_HOSTS").getValue()).isEqualTo(clusterName + ":11222");
        assertThat(infinispan.at("/spec/replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(infinispan.at("/spec/service/type").asText()).isEqualTo("DataGrid");

        // The operator's identities and the gateway's user name and password come from one Secret.
        String secretName = infinispan.at("/spec/security/endpointSecretName").asText();
        Map<String, String> secret = secretData(typed(Manifests.find(base, "Secret", secretName), Secret.class));
        JsonNode identities = Manifests.YAML.readTree(secret.get("identities.yaml"));
        JsonNode user = identities.path("credentials").get(0);
        assertThat(env(c, "QUARKUS_INFINISPAN_CLIENT_USERNAME").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo(secretName);
        assertThat(env(c, "QUARKUS_INFINISPAN_CLIENT_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo(secretName);
        assertThat(user.path("username").asText()).isEqualTo(secret.get("username"));
        assertThat(user.path("password").asText()).isEqualTo(secret.get("password"));

        // The same caches as the server configuration the gateway is tested against.
        Set<String> expected = new TreeSet<>();
        Matcher m = Pattern.compile("<distributed-cache name=\"([^\"]+)\"")
                .matcher(Files.readString(Path.of("infinispan/conf/infinispan.xml")));
        while (m.find()) {
            expected.add(m.group(1));
        }
        assertThat(expected).isNotEmpty();
        Set<String> caches = new TreeSet<>();
        for (Doc cache : Manifests.all(base, "Cache")) {
            assertThat(cache.json().path("apiVersion").asText()).isEqualTo("infinispan.org/v2alpha1");
            assertThat(cache.json().at("/spec/clusterName").asText()).isEqualTo(clusterName);
            JsonNode template = Manifests.YAML.readTree(cache.json().at("/spec/template").asText());
            assertThat(template.at("/distributedCache/encoding/mediaType").asText()).isEqualTo("application/x-protostream");
            caches.add(cache.json().at("/spec/name").asText());
        }
        assertThat(caches).isEqualTo(expected);
    }

    @Test
    void theRoutesInTheConfigMapLoadWithTheMountedSecrets(@TempDir Path secrets) throws Exception {
        List<Doc> base = Manifests.readAll(Manifests.ROOT.resolve("base"));
        Deployment deployment = typed(Manifests.find(base, "Deployment", "mcp-gateway"), Deployment.class);
        Container c = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        String secretsDir = env(c, "MCP_GATEWAY_SECRETS_DIR").getValue();
        // Lay out the Secrets the way the kubelet mounts them.
        for (VolumeMount mount : c.getVolumeMounts()) {
            Volume v = volume(deployment, mount.getName());
            if (v.getSecret() != null && mount.getMountPath().startsWith(secretsDir + "/")) {
                Path dir = Files
                        .createDirectories(secrets.resolve(Path.of(secretsDir).relativize(Path.of(mount.getMountPath()))));
                for (var e : secretData(typed(Manifests.find(base, "Secret", v.getSecret().getSecretName()), Secret.class))
                        .entrySet()) {
                    Files.writeString(dir.resolve(e.getKey()), e.getValue());
                }
            }
        }
        String configFile = env(c, "MCP_GATEWAY_CONFIG_FILE").getValue();
        ConfigMap routes = typed(Manifests.find(base, "ConfigMap", volume(deployment, mountOf(c,
                Path.of(configFile).getParent().toString()).getName()).getConfigMap().getName()), ConfigMap.class);
        String yaml = routes.getData().get(Path.of(configFile).getFileName().toString());

        RouteConfig route = McpRouteParser.parse("configmap", yaml, Map.of("MCP_GATEWAY_SECRETS_DIR", secrets.toString())::get)
                .routeForPath("/mcp");
        assertThat(route.backends()).extracting(BackendConfig::name).containsExactly("everything", "context7", "github");
        assertThat(route.backend("everything").url()).isEqualTo("http://everything:3001/mcp");
        assertThat(route.backend("context7").url()).isEqualTo("https://mcp.context7.com:443/mcp");
        BackendConfig github = route.backend("github");
        assertThat(github.url()).isEqualTo("https://api.githubcopilot.com:443/mcp/readonly");
        assertThat(github.tls().serverName()).isEqualTo("api.githubcopilot.com");
        assertThat(github.headers()).containsEntry("Authorization", "Bearer replace-with-a-github-token");

        // The demo upstream the route names is the Service of k8s/example-upstream.
        Service everything = typed(Manifests.find(Manifests.readAll(Manifests.ROOT.resolve("example-upstream")), "Service",
                "everything"), Service.class);
        assertThat(everything.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(3001));
    }

    @Test
    void bothOverlaysBuildIntoOneNamespaceWithTheirWayIn() throws Exception {
        List<Doc> kube = Manifests.kustomize(Manifests.ROOT.resolve("overlays/kubernetes"));
        List<Doc> openshift = Manifests.kustomize(Manifests.ROOT.resolve("overlays/openshift"));
        for (List<Doc> built : List.of(kube, openshift)) {
            for (Doc d : built) {
                if (!d.kind().equals("Namespace")) {
                    assertThat(d.json().at("/metadata/namespace").asText()).as(d.toString()).isEqualTo("mcp-gateway");
                }
                assertThat(d.json().at("/metadata/labels/app.kubernetes.io~1part-of").asText()).as(d.toString())
                        .isEqualTo("mcp-gateway");
            }
            assertThat(Manifests.all(built, "Deployment")).extracting(Doc::name).contains("mcp-gateway", "everything");
            assertThat(Manifests.all(built, "CustomResourceDefinition")).as("the CRD is applied on its own").isEmpty();
        }

        Ingress ingress = typed(Manifests.find(kube, "Ingress", "mcp-gateway"), Ingress.class);
        assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths()).allSatisfy(p -> {
            assertThat(p.getBackend().getService().getName()).isEqualTo("mcp-gateway");
            assertThat(p.getBackend().getService().getPort().getName()).isEqualTo("http");
        });
        assertThat(Manifests.all(kube, "Route")).isEmpty();
        assertThat(Manifests.all(kube, "Namespace")).extracting(Doc::name).containsExactly("mcp-gateway");

        Route route = typed(Manifests.find(openshift, "Route", "mcp-gateway"), Route.class);
        assertThat(route.getSpec().getTo().getKind()).isEqualTo("Service");
        assertThat(route.getSpec().getTo().getName()).isEqualTo("mcp-gateway");
        assertThat(route.getSpec().getPort().getTargetPort().getStrVal()).isEqualTo("http");
        assertThat(route.getSpec().getTls().getTermination()).isEqualTo("edge");
        assertThat(Manifests.all(openshift, "Ingress")).isEmpty();
        // restricted-v2 assigns user ids itself: no container may ask for one.
        for (Doc d : Manifests.all(openshift, "Deployment")) {
            assertThat(d.json().toString()).as(d.toString()).doesNotContain("runAsUser");
        }
        assertThat(typed(Manifests.find(openshift, "Deployment", "mcp-gateway"), Deployment.class).getSpec().getTemplate()
                .getSpec().getContainers().get(0).getImage())
                .isEqualTo("image-registry.openshift-image-registry.svc:5000/" + expectedImage());
    }

    @Test
    void theOverlaysBuildTheSameWithKubectl() throws Exception {
        for (String overlay : List.of("kubernetes", "openshift", "kubernetes-routes")) {
            Path dir = Manifests.ROOT.resolve("overlays/" + overlay);
            String out = kubectlKustomize(dir);
            Map<String, JsonNode> theirs = new TreeMap<>();
            Path tmp = Files.createTempFile("kustomize-", ".yaml");
            try {
                Files.writeString(tmp, out);
                Manifests.read(tmp).forEach(d -> theirs.put(key(d), d.json()));
            } finally {
                Files.delete(tmp);
            }
            Map<String, JsonNode> ours = Manifests.kustomize(dir).stream()
                    .collect(Collectors.toMap(ManifestsTest::key, Doc::json, (a, b) -> a, TreeMap::new));
            assertThat(ours.keySet()).as(overlay).isEqualTo(theirs.keySet());
            ours.forEach((k, v) -> assertThat(v).as(overlay + " " + k).isEqualTo(theirs.get(k)));
        }
    }

    private static String key(Doc d) {
        return d.kind() + " " + d.json().at("/metadata/namespace").asText() + "/" + d.name();
    }

    /** kubectl's built-in kustomize, when this machine has kubectl; the test is skipped otherwise. */
    private static String kubectlKustomize(Path dir) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            Assumptions.abort("kubectl is not installed");
            throw e;
        }
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl kustomize " + dir + " timed out");
        }
        assertThat(p.exitValue()).as("kubectl kustomize " + dir).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The image the Jib extension builds: container-image group and name, the project version. */
    static String expectedImage() throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            props.load(in);
        }
        assertThat(props.getProperty("quarkus.container-image.build")).as("no image in normal builds").isEqualTo("false");
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>mcp-gateway</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(m.find()).isTrue();
        return props.getProperty("quarkus.container-image.group") + "/" + props.getProperty("quarkus.container-image.name")
                + ":" + m.group(1);
    }

    private static EnvVar env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static VolumeMount mountOf(Container c, String path) {
        return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    private static Volume volume(Deployment d, String name) {
        return d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Map<String, String> secretData(Secret s) {
        Map<String, String> out = new TreeMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    static void assertNoUnknownFields(Object object, String where) {
        List<String> problems = new ArrayList<>();
        collectUnknownFields(object, where, problems);
        assertThat(problems).as("fields the Kubernetes type does not know (typos?)").isEmpty();
    }

    /**
     * The fabric8 model keeps fields it does not know in {@code additionalProperties} instead of
     * failing; a misspelled field would pass a plain parse, so walk the object for them.
     */
    static void collectUnknownFields(Object o, String path, List<String> problems) {
        if (o == null) {
            return;
        }
        if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, problems));
            return;
        }
        if (o instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                collectUnknownFields(item, path + "[" + i++ + "]", problems);
            }
            return;
        }
        if (!(o instanceof KubernetesResource) || o instanceof GenericKubernetesResource) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            String property = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            if (getter.getName().equals("getAdditionalProperties") && value instanceof Map<?, ?> extra) {
                extra.keySet().forEach(k -> problems.add(path + "." + k));
            } else {
                collectUnknownFields(value, path + "." + property, problems);
            }
        }
    }
}
