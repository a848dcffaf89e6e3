package dev.mcpgateway.federation;

import static dev.mcpgateway.federation.ResultCacheTest.as;
import static dev.mcpgateway.federation.ResultCacheTest.call;
import static dev.mcpgateway.federation.ResultCacheTest.text;
import static dev.mcpgateway.testing.SdkClient.result;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.CacheUpstream;
import dev.mcpgateway.testing.NodePeers;
import dev.mcpgateway.testing.SdkClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The result cache configured in an MCPRoute ({@code backendRefs[].cache}), with API keys from a
 * Secret, an in-memory store bounded to two entries, and the cache's meters.
 */
@QuarkusTest
@WithTestResource(ResultCacheRouteTest.Config.class)
class ResultCacheRouteTest {

    public static class Config implements QuarkusTestResourceLifecycleManager {
        CacheUpstream upstream;
        Path config;

        @Override
        public Map<String, String> start() {
            upstream = CacheUpstream.start();
            String yaml = """
                    apiVersion: aigateway.envoyproxy.io/v1beta1
                    kind: MCPRoute
                    metadata: {name: cached, namespace: default}
                    spec:
                      backendRefs:
                      - name: counter
                        kind: Backend
                        group: gateway.envoyproxy.io
                        cache: {ttl: 1m, scope: principal}
                      securityPolicy:
                        apiKeyAuth:
                          credentialRefs: [{name: clients}]
                          extractFrom: [{headers: [X-API-Key]}]
                    ---
                    apiVersion: gateway.envoyproxy.io/v1alpha1
                    kind: Backend
                    metadata: {name: counter, namespace: default}
                    spec:
                      endpoints: [{ip: {address: 127.0.0.1, port: %d}}]
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: clients, namespace: default}
                    stringData: {alice: %s, bob: %s}
                    """.formatted(upstream.port(), ResultCacheTest.ALICE, ResultCacheTest.BOB);
            try {
                config = Files.createTempFile("result-cache-", ".yaml");
                Files.writeString(config, yaml);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.result-cache.max-entries", "2");
        }

        @Override
        public void stop() {
            NodePeers.deleteQuietly(config);
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    @TestHTTPResource("/mcp")
    String gateway;

    @Test
    void principalsKeepTheirOwnEntriesAndTheLeastRecentlyUsedIsEvicted() {
        ObjectNode alice = as(ResultCacheTest.ALICE);
        call(alice, "counter__read_counter", "k1");
        call(alice, "counter__read_counter", "k1");
        JsonNode first = SdkClient.run(gateway, alice);
        String a1 = text(result(first, 0));
        assertThat(text(result(first, 1))).isEqualTo(a1);

        ObjectNode bob = as(ResultCacheTest.BOB);
        call(bob, "counter__read_counter", "k1");
        assertThat(text(result(SdkClient.run(gateway, bob), 0))).as("bob's call reaches the upstream").isNotEqualTo(a1);

        // Two more entries in a store of two: alice's k1 and bob's k1 make room.
        ObjectNode again = as(ResultCacheTest.ALICE);
        call(again, "counter__read_counter", "k2");
        call(again, "counter__read_counter", "k3");
        call(again, "counter__read_counter", "k1");
        JsonNode later = SdkClient.run(gateway, again);
        assertThat(text(result(later, 2))).as("evicted, so called again").isNotEqualTo(a1);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(counter(metrics, "hits")).isEqualTo(1);
        assertThat(counter(metrics, "misses")).isEqualTo(5);
        assertThat(counter(metrics, "evictions")).isEqualTo(3);
    }

    static long counter(String metrics, String name) {
        Matcher m = Pattern.compile("mcp_gateway_result_cache_" + name + "_total\\{backend=\"counter\"[^}]*} ([0-9.]+)")
                .matcher(metrics);
        assertThat(m.find()).as(name + " in " + metrics.lines().filter(l -> l.contains("result_cache")).toList()).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
