package dev.mcpgateway.conformance;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The upstream the conformance suite is run through: {@code src/test/node/conformance-upstream.mjs}
 * (the TypeScript SDK serving what the suite's server scenarios call) on a port picked here, as the
 * only backend of the gateway with prefix mode {@code conditional}, so the suite sees its tool,
 * prompt and resource names unchanged.
 */
public class ConformanceUpstream implements QuarkusTestResourceLifecycleManager {

    /** Config key holding the upstream's own endpoint, for the baseline run without the gateway. */
    static final String DIRECT_URL = "test.upstream.conformance";
    static final String BACKEND = "conformance";
    static final Path SCRIPT = NodePeers.DIR.resolve("conformance-upstream.mjs");

    private Process upstream;
    private Path config;

    @Override
    public Map<String, String> start() {
        NodePeers.requireInstalled();
        for (ConformanceSuite suite : ConformanceSuite.values()) {
            suite.requireInstalled();
        }
        int port = NodePeers.freePort();
        ProcessBuilder pb = new ProcessBuilder(List.of(NodePeers.node(), SCRIPT.toString()))
                .directory(NodePeers.DIR.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(port));
        upstream = NodePeers.startAndWait(pb, "conformance-upstream listening on", "conformance-upstream:" + port);
        String url = "http://127.0.0.1:" + port + "/mcp";

        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("prefixMode", "conditional");
        root.putObject("mcpServers").putObject(BACKEND).put("url", url);
        config = NodePeers.writeConfig("mcp-servers-conformance-", root);
        return Map.of("mcp-gateway.config-file", config.toString(), DIRECT_URL, url);
    }

    @Override
    public void stop() {
        NodePeers.stop(upstream);
        NodePeers.deleteQuietly(config);
    }
}
