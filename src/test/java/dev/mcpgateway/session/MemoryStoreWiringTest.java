package dev.mcpgateway.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.infinispan.client.hotrod.RemoteCacheManager;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * With the default {@code mcp-gateway.store=memory} the gateway keeps sessions in memory, never
 * creates the Infinispan client, and stays ready. (Same resources as the other gateway tests, so it
 * shares their application.)
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class MemoryStoreWiringTest {

    @Inject
    SessionStore store;

    @Inject
    EventLog log;

    @Inject
    ReplayStore replays;

    @Test
    void theInMemoryStoreIsUsedAndInfinispanIsNeverContacted() {
        assertThat(ClientProxy.unwrap(store)).isInstanceOf(InMemorySessionStore.class);
        assertThat(ClientProxy.unwrap(log)).isInstanceOf(InMemoryEventLog.class);
        assertThat(ClientProxy.unwrap(replays)).isInstanceOf(InMemoryReplayStore.class);
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Session store"))
                .body("checks.find { it.name == 'Session store' }.data.store", equalTo("memory"));
        for (Class<? extends java.lang.annotation.Annotation> scope : java.util.List.of(ApplicationScoped.class,
                jakarta.inject.Singleton.class)) {
            // A created client looks for hotrod-client.properties and warns: standalone must start clean.
            assertThat(Arc.container().getActiveContext(scope).getState().getContextualInstances().keySet())
                    .as("%s beans created so far", scope.getSimpleName())
                    .noneMatch(bean -> bean.getTypes().contains(RemoteCacheManager.class));
        }
    }
}
