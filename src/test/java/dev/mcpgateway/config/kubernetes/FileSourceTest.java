package dev.mcpgateway.config.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.Arc;
import io.quarkus.test.junit.QuarkusTest;

/**
 * With the file source (the default) the gateway never creates a Kubernetes client, so it never
 * looks for a kubeconfig or an API server: laptops and CI have none.
 */
@QuarkusTest
class FileSourceTest {

    @Test
    void noKubernetesClientIsCreated() {
        List<Object> instances = new ArrayList<>();
        for (Class<? extends java.lang.annotation.Annotation> scope : List.of(Singleton.class, ApplicationScoped.class)) {
            instances.addAll(Arc.container().getActiveContext(scope).getState().getContextualInstances().values());
        }
        assertThat(instances).as("beans created so far").isNotEmpty().noneMatch(KubernetesClient.class::isInstance);
    }
}
