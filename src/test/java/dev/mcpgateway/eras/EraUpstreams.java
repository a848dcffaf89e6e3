package dev.mcpgateway.eras;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * One backend of each era behind one route: {@code modern} is modern-upstream.mjs (2026-07-28, the
 * TypeScript SDK v2 server), {@code everything} is server-everything (2025-11-25, sessions).
 */
public class EraUpstreams implements QuarkusTestResourceLifecycleManager {

    static final String CONFIG = "test.eras.config";
    static final String MODERN_URL = "test.eras.modern";

    private Process modern;
    private Process everything;
    private Path config;

    @Override
    public Map<String, String> start() {
        int modernPort = NodePeers.freePort();
        int everythingPort = NodePeers.freePort();
        modern = NodePeers.startModernUpstream(modernPort);
        everything = NodePeers.startEverythingHttp(everythingPort);
        String modernUrl = "http://127.0.0.1:" + modernPort + "/mcp";
        ObjectNode root = new ObjectMapper().createObjectNode();
        ObjectNode servers = root.putObject("mcpServers");
        servers.putObject("modern").put("url", modernUrl);
        servers.putObject("everything").put("url", "http://127.0.0.1:" + everythingPort + "/mcp");
        config = NodePeers.writeConfig("mcp-servers-eras-", root);
        return Map.of("mcp-gateway.config-file", config.toString(), CONFIG, config.toString(), MODERN_URL, modernUrl,
                "mcp-gateway.config-reload-interval", "500ms");
    }

    @Override
    public void stop() {
        NodePeers.stop(modern);
        NodePeers.stop(everything);
        NodePeers.deleteQuietly(config);
    }
}
