package dev.mcpgateway.federation;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.NodePeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Tasks of both eras behind one route: {@code tasks} is tasks-upstream.mjs (2026-07-28 with the
 * tasks extension), {@code everything} is server-everything (2025-11-25 experimental tasks).
 */
public class TaskUpstreams implements QuarkusTestResourceLifecycleManager {

    private Process tasks;
    private Process everything;
    private Path config;

    @Override
    public Map<String, String> start() {
        int tasksPort = NodePeers.freePort();
        int everythingPort = NodePeers.freePort();
        NodePeers.requireInstalled();
        ProcessBuilder pb = new ProcessBuilder(
                List.of(NodePeers.node(), NodePeers.DIR.resolve("tasks-upstream.mjs").toString()))
                .directory(NodePeers.DIR.toFile()).redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(tasksPort));
        tasks = NodePeers.startAndWait(pb, "tasks-upstream listening on", "tasks-upstream:" + tasksPort);
        everything = NodePeers.startEverythingHttp(everythingPort);
        ObjectNode root = new ObjectMapper().createObjectNode();
        ObjectNode servers = root.putObject("mcpServers");
        servers.putObject("tasks").put("url", "http://127.0.0.1:" + tasksPort + "/mcp");
        servers.putObject("everything").put("url", "http://127.0.0.1:" + everythingPort + "/mcp");
        config = NodePeers.writeConfig("mcp-servers-tasks-", root);
        return Map.of("mcp-gateway.config-file", config.toString());
    }

    @Override
    public void stop() {
        NodePeers.stop(tasks);
        NodePeers.stop(everything);
        NodePeers.deleteQuietly(config);
    }
}
