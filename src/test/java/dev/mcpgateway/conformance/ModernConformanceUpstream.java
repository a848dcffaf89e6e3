package dev.mcpgateway.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    static final Path SCRIPT = NodePeers.DIR.resolve("modern-upstream.mjs");

    private Process upstream;
    private Path config;

    @Override
    public Map<String, String> start() {
        NodePeers.requireInstalled();
        ConformanceSuite.NEXT_2026.requireInstalled();
        int port = NodePeers.freePort();
        ProcessBuilder pb = new ProcessBuilder(List.of(NodePeers.node(), SCRIPT.toString()))
                .directory(NodePeers.DIR.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(port));
        upstream = NodePeers.startAndWait(pb, "modern-upstream listening on", "modern-upstream:" + port);
        String url = "http://127.0.0.1:" + port + "/mcp";
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("prefixMode", "conditional");
        root.putObject("mcpServers").putObject("modern").put("url", url);
        try {
            config = Files.createTempFile("mcp-servers-modern-", ".json");
            mapper.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("mcp-gateway.config-file", config.toString(), DIRECT_URL, url);
    }

    @Override
    public void stop() {
        NodePeers.stop(upstream);
        try {
            if (config != null) {
                Files.deleteIfExists(config);
            }
        } catch (IOException ignored) {
            // A temp file left behind is harmless.
        }
    }
}
