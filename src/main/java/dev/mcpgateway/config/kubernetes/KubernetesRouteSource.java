package dev.mcpgateway.config.kubernetes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.GatewayModel;
import dev.mcpgateway.config.RouteInstaller;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.StartupEvent;

/**
 * The {@code kubernetes} config source: watches MCPRoutes and the Backends, BackendTLSPolicies,
 * Secrets and ConfigMaps beside them through informers, installs the routes that name this gateway
 * (a hot reload: open sessions of changed routes are told their lists changed) and writes each such
 * route's status. Every replica watches and installs by itself, as every replica reads its own file
 * with the file source. With the {@code file} source (the default) nothing here runs and no
 * Kubernetes client is created.
 */
@ApplicationScoped
public class KubernetesRouteSource {

    private static final Logger LOG = Logger.getLogger(KubernetesRouteSource.class);

    /** A kind watched, with the API versions tried in order (the first one the API server serves wins). */
    private record Kind(String kind, String group, String plural, List<String> versions) {

        ResourceDefinitionContext context(String version) {
            return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                    .withPlural(plural).withNamespaced(true).build();
        }

        String apiVersion(String version) {
            return group.isEmpty() ? version : group + "/" + version;
        }
    }

    static final Kind ROUTES = new Kind("MCPRoute", "aigateway.envoyproxy.io", "mcproutes", List.of("v1beta1", "v1alpha1"));
    private static final List<Kind> REFERENCED = List.of(
            new Kind("Backend", "gateway.envoyproxy.io", "backends", List.of("v1alpha1")),
            new Kind("BackendTLSPolicy", "gateway.networking.k8s.io", "backendtlspolicies", List.of("v1", "v1alpha3")),
            new Kind("Secret", "", "secrets", List.of("v1")), new Kind("ConfigMap", "", "configmaps", List.of("v1")));

    /** An informer watching one kind in one namespace, and the version it watches. */
    private record Watch(Kind kind, String namespace, String version, SharedIndexInformer<GenericKubernetesResource> informer) {
    }

    private final GatewayConfig config;
    private final Instance<KubernetesClient> clients;
    private final RouteInstaller installer;
    private final List<Watch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Set once every informer is started: events before it are covered by the first rebuild. */
    private volatile boolean started;
    private KubernetesClient client;
    private ScheduledExecutorService worker;
    private RouteObjects objects;
    private String installed;

    @Inject
    KubernetesRouteSource(GatewayConfig config, Instance<KubernetesClient> clients, RouteInstaller installer) {
        this.config = config;
        this.clients = clients;
        this.installer = installer;
    }

    void start(@Observes StartupEvent event) throws Exception {
        if (config.configSource() != GatewayConfig.ConfigSourceKind.KUBERNETES) {
            return;
        }
        GatewayConfig.Kubernetes k = config.kubernetes();
        client = clients.get();
        objects = new RouteObjects(k.gatewayName(), k.gatewayNamespace());
        worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mcp-gateway-kubernetes");
            t.setDaemon(true);
            return t;
        });
        List<String> namespaces = k.namespaces().orElseGet(() -> List.of(
                client.getNamespace() == null ? "default" : client.getNamespace()));
        LOG.infof("Routes come from MCPRoutes naming Gateway %s in namespace(s) %s", k.gatewayName(),
                String.join(", ", namespaces));
        long deadline = System.nanoTime() + k.syncTimeout().toNanos();
        for (String ns : namespaces) {
            watch(ROUTES, ns, deadline);
            for (Kind kind : REFERENCED) {
                watch(kind, ns, deadline);
            }
        }
        // The first routes are in force before the gateway reports itself started.
        started = true;
        CompletableFuture.runAsync(this::rebuild, worker).get();
    }

    /** Starts an informer, trying the kind's versions in turn while the API server answers 404. */
    private void watch(Kind kind, String namespace, long deadline) throws InterruptedException {
        for (String version : kind.versions()) {
            SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(kind.context(version))
                    .inNamespace(namespace).runnableInformer(0);
            informer.exceptionHandler((running, t) -> {
                if (notServed(t)) {
                    return false;
                }
                LOG.warnf("Watching %s in %s: %s (retrying)", kind.kind(), namespace, t.getMessage());
                return true;
            });
            informer.addEventHandler(new Changes());
            try {
                informer.start().toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                watches.add(new Watch(kind, namespace, version, informer));
                return;
            } catch (TimeoutException e) {
                LOG.errorf("No listing of %s in %s within mcp-gateway.kubernetes.sync-timeout; routes follow when it arrives",
                        kind.kind(), namespace);
                watches.add(new Watch(kind, namespace, version, informer));
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                informer.stop();
                if (!notServed(e.getCause())) {
                    throw new IllegalStateException("Cannot watch " + kind.kind() + " in " + namespace + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        String versions = String.join(" or ", kind.versions().stream().map(kind::apiVersion).toList());
        if (kind == ROUTES) {
            throw new IllegalStateException("The API server serves no MCPRoute (" + versions
                    + "): install the CRD (kubectl apply -k k8s/crd)");
        }
        LOG.warnf("The API server serves no %s (%s): routes that reference one are refused", kind.kind(), versions);
    }

    private static boolean notServed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KubernetesClientException k && k.getCode() == 404) {
                return true;
            }
        }
        return false;
    }

    /** Any change schedules one rebuild after the quiet time; changes meanwhile join it. */
    private final class Changes implements ResourceEventHandler<GenericKubernetesResource> {

        @Override
        public void onAdd(GenericKubernetesResource obj) {
            changed();
        }

        @Override
        public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
            // A resync repeats what is known already.
            if (!java.util.Objects.equals(before.getMetadata().getResourceVersion(),
                    after.getMetadata().getResourceVersion())) {
                changed();
            }
        }

        @Override
        public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
            changed();
        }
    }

    private void changed() {
        if (started && pending.compareAndSet(false, true)) {
            worker.schedule(() -> {
                pending.set(false);
                rebuild();
            }, config.kubernetes().debounce().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Builds the routes from what the informers hold; installs them and writes statuses if anything changed. */
    private void rebuild() {
        try {
            List<JsonNode> routes = new ArrayList<>();
            Map<String, List<JsonNode>> referenced = new TreeMap<>();
            // Routes count by generation (their status changes nothing), the rest by resource version.
            StringBuilder inputs = new StringBuilder();
            for (Watch w : watches) {
                for (GenericKubernetesResource r : w.informer().getStore().list()) {
                    JsonNode node = client.getKubernetesSerialization().convertValue(r, JsonNode.class);
                    inputs.append(w.kind().kind()).append(' ').append(w.namespace()).append('/')
                            .append(r.getMetadata().getName()).append('@');
                    if (w.kind() == ROUTES) {
                        inputs.append(r.getMetadata().getGeneration()).append('\n');
                        routes.add(node);
                    } else {
                        inputs.append(r.getMetadata().getResourceVersion()).append('\n');
                        referenced.computeIfAbsent(w.namespace(), n -> new ArrayList<>()).add(node);
                    }
                }
            }
            String fingerprint = inputs.toString();
            if (fingerprint.equals(installed)) {
                return;
            }
            RouteObjects.Build build = objects.build(routes, referenced);
            installer.install(new GatewayModel("kubernetes", build.served()));
            installed = fingerprint;
            for (RouteObjects.Verdict v : build.verdicts()) {
                if (!writeStatus(v, routes)) {
                    // Tried again by the next rebuild.
                    installed = null;
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Building routes from the Kubernetes API failed; the routes in force stay");
            installed = null;
        }
    }

    private boolean writeStatus(RouteObjects.Verdict v, List<JsonNode> routes) {
        JsonNode current = JsonNodeFactory.instance.objectNode();
        String version = ROUTES.versions().getFirst();
        for (JsonNode r : routes) {
            if (v.namespace().equals(RouteObjects.namespace(r)) && v.name().equals(RouteObjects.name(r))) {
                current = r.path("status");
                version = r.path("apiVersion").asText().substring(ROUTES.group().length() + 1);
            }
        }
        ObjectNode status = RouteConditions.statusToWrite(v, current, Instant.now());
        if (status == null) {
            return true;
        }
        if (!v.accepted()) {
            LOG.warnf("MCPRoute %s refused: %s", v.key(), v.acceptedMessage());
        }
        // A JSON patch replaces the whole status, conditions list included, on every server (a merge
        // patch would too, but some servers and mocks merge lists).
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        patch.addObject().put("op", "add").put("path", "/status").set("value", status);
        try {
            client.genericKubernetesResources(ROUTES.context(version)).inNamespace(v.namespace()).withName(v.name())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true; // deleted meanwhile
            }
            LOG.warnf("Cannot write the status of MCPRoute %s: %s", v.key(), e.getMessage());
            changedLater();
            return false;
        }
    }

    private void changedLater() {
        worker.schedule(this::changed, 5, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        watches.forEach(w -> w.informer().stop());
        if (worker != null) {
            worker.shutdownNow();
        }
    }
}
