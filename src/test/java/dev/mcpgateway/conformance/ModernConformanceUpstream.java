package dev.mcpgateway.conformance;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The upstream the 2026-07-28 conformance scenarios run through: {@code src/test/node/modern-upstream.mjs}
 * (the TypeScript SDK v2 server, stateless) as the gateway's only backend, prefix mode
 * {@code conditional}.
 */
public class ModernConformanceUpstream implements QuarkusTestResourceLifecycleManager {

    static final String DIRECT_URL = "test.upstream.modern";

    private Process upstream;
    private Path config;

    @Override
    public Map<String, String> start() {
        ConformanceSuite.NEXT_2026.requireInstalled();
        int port = NodePeers.freePort();
        upstream = NodePeers.startModernUpstream(port);
        String url = "http://127.0.0.1:" + port + "/mcp";
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("prefixMode", "conditional");
        root.putObject("mcpServers").putObject("modern").put("url", url);
        config = NodePeers.writeConfig("mcp-servers-modern-", root);
        return Map.of("mcp-gateway.config-file", config.toString(), DIRECT_URL, url);
    }

    @Override
    public void stop() {
        NodePeers.stop(upstream);
        NodePeers.deleteQuietly(config);
    }
}
