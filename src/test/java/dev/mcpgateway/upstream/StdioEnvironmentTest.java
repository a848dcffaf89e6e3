package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.StdioClientTest.OWNER_A;
import static dev.mcpgateway.upstream.StdioClientTest.get;
import static dev.mcpgateway.upstream.StdioClientTest.initParams;
import static dev.mcpgateway.upstream.StdioClientTest.text;
import static dev.mcpgateway.upstream.StdioClientTest.toolParams;
import static dev.mcpgateway.upstream.UpstreamTestKit.EVERYTHING;
import static dev.mcpgateway.upstream.UpstreamTestKit.NODE_DIR;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import io.vertx.core.Vertx;

/** A stdio process sees only the environment its config names, never the gateway's secrets. */
class StdioEnvironmentTest {

    @Test
    void theChildGetsTheBaseNamesItsEnvAndWhatItInheritsAndNothingElse() throws Exception {
        // Two variables of this JVM's environment that no rule lets through on its own: one the
        // backend names in inheritEnv, one it does not (standing for the gateway's secrets).
        List<String> candidates = new TreeSet<>(System.getenv().keySet()).stream()
                .filter(n -> !StdioProcess.BASE_ENVIRONMENT.contains(n)).toList();
        assertThat(candidates).as("variables in the test's environment beyond the base set").hasSizeGreaterThan(1);
        String inherited = candidates.get(0);
        String secret = candidates.get(1);
        BackendConfig config = new BackendConfig("everything", TransportKind.STDIO, null, Map.of(),
                UpstreamTestKit.node(), List.of(EVERYTHING.toString(), "stdio"), Map.of("FROM_CONFIG", "configured"),
                NODE_DIR.toString(), ToolFilter.ALLOW_ALL, Duration.ofSeconds(20), List.of(), null, null,
                List.of(inherited, "NOT_SET_ANYWHERE_" + System.nanoTime()));
        Vertx vertx = Vertx.vertx();
        StdioClient client = new StdioClient(vertx, config, UpstreamTestKit.options());
        try {
            UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));
            JsonNode env = JsonRpcCodec.MAPPER.readTree(text(get(client.request(session, new JsonRpcRequest(
                    IntNode.valueOf(1), McpMethods.TOOLS_CALL,
                    toolParams("get-env", JsonNodeFactory.instance.objectNode(), null)), UpstreamSink.DISCARD))));

            Set<String> names = new HashSet<>();
            env.fieldNames().forEachRemaining(names::add);
            Set<String> allowed = new HashSet<>(StdioProcess.BASE_ENVIRONMENT);
            allowed.add(inherited);
            allowed.add("FROM_CONFIG");
            assertThat(names).doesNotContain(secret).isSubsetOf(allowed);
            assertThat(env.path(inherited).asText()).isEqualTo(System.getenv(inherited));
            assertThat(env.path("FROM_CONFIG").asText()).isEqualTo("configured");
            assertThat(env.has("PATH")).isTrue();
        } finally {
            client.shutdown();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void configuredValuesWinAndUnsetNamesStayUnset() {
        BackendConfig config = new BackendConfig("b", TransportKind.STDIO, null, Map.of(), "cmd", List.of(),
                Map.of("HOME", "/srv/b"), null, ToolFilter.ALLOW_ALL, Duration.ofSeconds(1), List.of(), null, null,
                List.of("WANTED", "ABSENT"));
        Map<String, String> gateway = Map.of("PATH", "/bin", "HOME", "/root", "WANTED", "w",
                "AWS_SECRET_ACCESS_KEY", "s3cr3t", "MCP_GATEWAY_SIGNING_KEY", "k");

        Map<String, String> env = StdioProcess.environment(config, gateway);

        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of("PATH", "/bin", "HOME", "/srv/b", "WANTED", "w"));
    }
}
