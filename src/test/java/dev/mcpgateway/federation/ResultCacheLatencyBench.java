package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.CacheUpstream;
import dev.mcpgateway.testing.McpHttp;
import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Latency of a {@code tools/call} answered from the result cache against one that goes to the
 * upstream (a miss that is then stored, and a tool that is not cached), one call at a time through
 * the gateway. A benchmark, not part of the test suite (its name does not end in Test): run it with
 * {@code ./mvnw verify -Dtest=ResultCacheLatencyBench -Dit.test=NONE}; it prints the figures.
 */
@QuarkusTest
@WithTestResource(ResultCacheLatencyBench.Config.class)
class ResultCacheLatencyBench {

    static final int CALLS = 200;
    static final String V = "2025-11-25";

    public static class Config implements QuarkusTestResourceLifecycleManager {
        CacheUpstream upstream;
        Path config;

        @Override
        public Map<String, String> start() {
            upstream = CacheUpstream.start();
            ObjectNode root = new ObjectMapper().createObjectNode();
            root.putObject("mcpServers").putObject("b").put("url", upstream.url()).putObject("cache").put("ttl", "10m");
            config = NodePeers.writeConfig("result-cache-bench-", root);
            return Map.of("mcp-gateway.config-file", config.toString(), "quarkus.log.category.\"dev.mcpgateway.access\".level",
                    "WARN");
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
    URI gateway;

    @Test
    void hitsAgainstMisses() throws Exception {
        new Run(gateway).measure("memory store");
    }

    /** One client session calling one at a time: a hit, a miss and an uncached call in turn, so noise hits all alike. */
    static final class Run {
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final URI gateway;
        String session;
        int id = 1;

        Run(URI gateway) {
            this.gateway = gateway;
        }

        String call(String tool, String key) throws Exception {
            HttpResponse<String> r = http.send(McpHttp.request(gateway, V).header("Content-Type", "application/json")
                    .header("Mcp-Session-Id", session).POST(HttpRequest.BodyPublishers.ofString("""
                            {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":{"key":"%s"}}}"""
                            .formatted(id++, tool, key)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }

        long timed(String tool, String key) throws Exception {
            long start = System.nanoTime();
            call(tool, key);
            return System.nanoTime() - start;
        }

        void measure(String store) throws Exception {
            session = McpHttp.initialize(http, gateway, V, "result-cache-bench");
            String first = call("b__read_counter", "same");
            assertThat(call("b__read_counter", "same")).as("a hit").isEqualTo(first.replace("\"id\":1", "\"id\":2"));
            long[][] nanos = new long[3][CALLS];
            for (int round = -1; round < 1; round++) {
                for (int i = 0; i < CALLS; i++) {
                    long hit = timed("b__read_counter", "same");
                    long miss = timed("b__read_counter", round + "-" + i);
                    long uncached = timed("b__plain_counter", round + "-" + i);
                    if (round == 0) {
                        nanos[0][i] = hit;
                        nanos[1][i] = miss;
                        nanos[2][i] = uncached;
                    }
                }
            }
            String[] names = {"hit", "miss (stored)", "uncached tool"};
            StringBuilder out = new StringBuilder("result cache latency, " + store + ", " + CALLS
                    + " sequential calls each after as many to warm up (ms):");
            for (int k = 0; k < 3; k++) {
                long[] n = nanos[k];
                Arrays.sort(n);
                out.append(String.format(" | %s median %.3f p90 %.3f mean %.3f", names[k], n[CALLS / 2] / 1e6,
                        n[CALLS * 9 / 10] / 1e6, Arrays.stream(n).average().orElse(0) / 1e6));
            }
            System.out.println(out);
            assertThat(nanos[0][CALLS / 2]).isLessThan(nanos[1][CALLS / 2]);
        }
    }
}
