package dev.mcpgateway.session;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.infinispan.client.hotrod.RemoteCache;
import org.infinispan.client.hotrod.RemoteCacheManager;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import dev.mcpgateway.testing.InfinispanServers;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * The gateway with {@code mcp-gateway.store=infinispan} on a real two-node cluster, configured only
 * through {@code quarkus.infinispan-client.*}: a session made over MCP is in Infinispan, where
 * another Hot Rod client reads it, and the gateway serves the session from there.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
@WithTestResource(InfinispanServers.class)
class InfinispanStoreWiringTest {

    private static final Logger LOG = Logger.getLogger(InfinispanStoreWiringTest.class);

    static final String ACCEPT = "application/json, text/event-stream";
    static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"wiring-test","version":"1"}}}""";

    @Inject
    SessionStore store;

    @Inject
    EventLog log;

    @Inject
    ReplayStore replays;

    @Test
    void sessionsLiveInInfinispan() throws Exception {
        assertThat(ClientProxy.unwrap(store)).isInstanceOf(InfinispanSessionStore.class);
        assertThat(ClientProxy.unwrap(log)).isInstanceOf(InfinispanEventLog.class);
        assertThat(ClientProxy.unwrap(replays)).isInstanceOf(InfinispanReplayStore.class);
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'Session store' }.data.store", equalTo("infinispan"));

        String id = given().basePath("/mcp").header("Accept", ACCEPT).contentType(ContentType.JSON).body(INIT).post()
                .then().statusCode(200).header("Mcp-Session-Id", notNullValue()).extract().header("Mcp-Session-Id");

        assertThat(Arc.container().getActiveContext(ApplicationScoped.class).getState().getContextualInstances().keySet())
                .as("the Quarkus Infinispan client is in use (the check MemoryStoreWiringTest relies on)")
                .anyMatch(bean -> bean.getTypes().contains(RemoteCacheManager.class));

        try (RemoteCacheManager other = InfinispanServers.shared().client()) {
            RemoteCache<String, GatewaySession> sessions = other.getCache(InfinispanCaches.SESSIONS);
            GatewaySession stored = sessions.get(id);
            assertThat(stored).isNotNull();
            assertThat(stored.protocolVersion()).isEqualTo("2025-06-18");
            assertThat(stored.clientInfo().path("name").asText()).isEqualTo("wiring-test");
            assertThat(stored.upstreams()).isNotEmpty();
            LOG.infof("Stored bytes of a session with %d upstreams from a real initialize: value %d, key %d",
                    stored.upstreams().size(), other.getMarshaller().objectToByteBuffer(stored).length,
                    other.getMarshaller().objectToByteBuffer(id).length);
        }

        given().basePath("/mcp").header("Accept", ACCEPT).contentType(ContentType.JSON)
                .header("Mcp-Session-Id", id).header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").post()
                .then().statusCode(200).body("result.tools", notNullValue());

        // Ended through another client (another replica): the gateway stops serving its local copy.
        try (RemoteCacheManager other = InfinispanServers.shared().client()) {
            other.<String, GatewaySession>getCache(InfinispanCaches.SESSIONS).remove(id);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> given().basePath("/mcp").header("Accept", ACCEPT)
                .contentType(ContentType.JSON).header("Mcp-Session-Id", id).header("MCP-Protocol-Version", "2025-06-18")
                .body("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}").post().statusCode() == 404);
    }
}
