package dev.mcpgateway.console;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A route {@code /mcp} with two real server-everything backends: {@code alpha} over Streamable
 * HTTP (its {@code echo} tool shown as {@code say}, a circuit breaker and a result cache) and {@code beta} over stdio; API keys for
 * alice and bob, a rule that hides {@code alpha__get-sum} from bob; and the console on, with one
 * admin key.
 */
public class ConsoleUpstreams implements QuarkusTestResourceLifecycleManager {

    static final String ALICE = "alice-key-0123456789";
    static final String BOB = "bob-key-0123456789ab";
    static final String ADMIN = "console-admin-key-0123456789";
    static final String MARKUP = "<img src=x onerror=\"document.title='owned'\"> Environment";

    private Process alpha;
    private Path config;

    @Override
    public Map<String, String> start() {
        int port = NodePeers.freePort();
        alpha = NodePeers.startEverythingHttp(port);
        ObjectNode root = new ObjectMapper().createObjectNode();
        ObjectNode auth = root.putObject("auth");
        auth.putObject("apiKeys").putObject("keys").put("alice", ALICE).put("bob", BOB);
        ObjectNode deny = auth.putObject("authorization").put("defaultAction", "allow").putArray("rules").addObject();
        deny.put("cel", "principal == 'apikey:bob'").put("action", "deny").putArray("tools").add("alpha__get-sum");
        ObjectNode servers = root.putObject("mcpServers");
        ObjectNode a = servers.putObject("alpha").put("url", "http://127.0.0.1:" + port + "/mcp");
        a.putObject("circuitBreaker").put("failureThreshold", 5).put("openFor", "30s");
        a.putObject("cache").put("ttl", "60s");
        ObjectNode overrides = a.putObject("toolOverrides");
        overrides.putObject("echo").put("name", "say").put("description", "Repeats what you say.");
        // Upstream text is text: markup in it must never run in the console.
        overrides.putObject("get-env").put("description", MARKUP);
        ObjectNode b = servers.putObject("beta");
        List<String> cmd = NodePeers.everythingStdioCommand();
        b.put("command", cmd.get(0));
        ArrayNode args = b.putArray("args");
        cmd.subList(1, cmd.size()).forEach(args::add);
        config = NodePeers.writeConfig("console-", root);
        return Map.of("mcp-gateway.config-file", config.toString(), "mcp-gateway.console.enabled", "true",
                "mcp-gateway.console.api-keys.admin", ADMIN);
    }

    @Override
    public void stop() {
        NodePeers.stop(alpha);
        NodePeers.deleteQuietly(config);
    }
}
