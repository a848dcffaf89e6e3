package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Three real server-everything upstreams: {@code alpha} and {@code beta} over Streamable HTTP on
 * ports picked here, {@code gamma} over stdio; plus {@code filtered}, a third HTTP view of alpha
 * that only allows {@code echo} and {@code get-sum}. Writes an mcp-servers.json for them and points
 * the gateway at it.
 */
public class EverythingUpstreams implements QuarkusTestResourceLifecycleManager {

    public static final List<String> FILTERED_ALLOW = List.of("echo", "get-sum");

    private Process alpha;
    private Process beta;
    private Path config;

    @Override
    public Map<String, String> start() {
        int alphaPort = NodePeers.freePort();
        int betaPort = NodePeers.freePort();
        alpha = NodePeers.startEverythingHttp(alphaPort);
        beta = NodePeers.startEverythingHttp(betaPort);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode servers = root.putObject("mcpServers");
        servers.putObject("alpha").put("type", "http").put("url", "http://127.0.0.1:" + alphaPort + "/mcp");
        servers.putObject("beta").put("url", "http://127.0.0.1:" + betaPort + "/mcp");
        ObjectNode gamma = servers.putObject("gamma");
        List<String> cmd = NodePeers.everythingStdioCommand();
        gamma.put("command", cmd.get(0));
        ArrayNode args = gamma.putArray("args");
        cmd.subList(1, cmd.size()).forEach(args::add);
        ObjectNode filtered = servers.putObject("filtered").put("type", "streamable-http")
                .put("url", "http://127.0.0.1:" + alphaPort + "/mcp");
        ArrayNode allow = filtered.putArray("tools");
        FILTERED_ALLOW.forEach(allow::add);
        try {
            config = Files.createTempFile("mcp-servers-", ".json");
            mapper.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>();
        props.put("mcp-gateway.config-file", config.toString());
        props.put("test.upstream.alpha", "http://127.0.0.1:" + alphaPort + "/mcp");
        props.put("test.upstream.beta", "http://127.0.0.1:" + betaPort + "/mcp");
        return props;
    }

    @Override
    public void stop() {
        NodePeers.stop(alpha);
        NodePeers.stop(beta);
        try {
            if (config != null) {
                Files.deleteIfExists(config);
            }
        } catch (IOException ignored) {
            // A temp file left behind is harmless.
        }
    }
}
