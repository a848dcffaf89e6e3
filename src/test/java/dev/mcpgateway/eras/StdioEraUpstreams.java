package dev.mcpgateway.eras;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * One stdio backend of each era behind one route: {@code modern} is modern-stdio-upstream.mjs
 * (2026-07-28 over stdio, the TypeScript SDK v2 {@code serveStdio}, refusing {@code initialize}),
 * one process per client session, and {@code pooled} the same with one process for all sessions;
 * {@code everything} is server-everything over stdio (2025-era,
 * {@code initialize}), one process shared by all sessions. The gateway starts both itself.
 */
public class StdioEraUpstreams implements QuarkusTestResourceLifecycleManager {

    static final Path MODERN_STDIO_UPSTREAM = NodePeers.DIR.resolve("modern-stdio-upstream.mjs");

    private Path config;

    @Override
    public Map<String, String> start() {
        NodePeers.requireInstalled();
        ObjectNode root = new ObjectMapper().createObjectNode();
        ObjectNode servers = root.putObject("mcpServers");
        ObjectNode modern = servers.putObject("modern").put("command", NodePeers.node()).put("cwd",
                NodePeers.DIR.toString());
        modern.putArray("args").add(MODERN_STDIO_UPSTREAM.toString());
        ObjectNode pooled = servers.putObject("pooled").put("command", NodePeers.node())
                .put("cwd", NodePeers.DIR.toString()).put("isolation", "shared");
        pooled.putArray("args").add(MODERN_STDIO_UPSTREAM.toString());
        List<String> cmd = NodePeers.everythingStdioCommand();
        ObjectNode everything = servers.putObject("everything").put("command", cmd.get(0)).put("isolation", "shared");
        ArrayNode args = everything.putArray("args");
        cmd.subList(1, cmd.size()).forEach(args::add);
        config = NodePeers.writeConfig("mcp-servers-stdio-eras-", root);
        return Map.of("mcp-gateway.config-file", config.toString());
    }

    @Override
    public void stop() {
        NodePeers.deleteQuietly(config);
    }
}
