package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Upstreams for progressive tool discovery: server-everything over Streamable HTTP ({@code everything})
 * and the tool catalogue of src/test/resources/discovery/catalog.json (src/test/node/catalog-upstream.mjs,
 * one backend per catalogue section, 200+ tools). Init arg {@code format}: {@code json} writes an
 * mcp-servers.json with one search route on {@code /mcp} (everything, the catalogue, and {@code modern}:
 * src/test/node/modern-upstream.mjs on revision 2026-07-28; API keys
 * {@link #OPS_KEY} and {@link #CI_KEY}, the database admin tools for ops only); {@code yaml}
 * writes MCPRoutes: the same search route on {@code /mcp}, and the catalogue alone on
 * {@code /catalog/list} (listed) and {@code /catalog/search} (searched). On both, an authorization
 * rule denies everything's {@code get-env} to every caller.
 */
public class DiscoveryUpstreams implements QuarkusTestResourceLifecycleManager {

    public static final Path CATALOG = Path.of("src/test/resources/discovery/catalog.json").toAbsolutePath();
    public static final Path CATALOG_UPSTREAM = NodePeers.DIR.resolve("catalog-upstream.mjs");
    /** API keys of the mcp-servers.json route (header X-API-Key). */
    public static final String OPS_KEY = "ops-key-0123456789abcdef";
    public static final String CI_KEY = "ci-key-0123456789abcdef";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private String format = "json";
    private Process everything;
    private Process catalog;
    private Process modern;
    private Path config;

    @Override
    public void init(Map<String, String> initArgs) {
        format = initArgs.getOrDefault("format", "json");
    }

    /** The backends of the catalogue file, in order. */
    public static List<String> catalogBackends() {
        try {
            List<String> out = new ArrayList<>();
            for (Iterator<String> it = MAPPER.readTree(CATALOG.toFile()).fieldNames(); it.hasNext();) {
                String name = it.next();
                if (!name.startsWith("_")) {
                    out.add(name);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> start() {
        int everythingPort = NodePeers.freePort();
        int catalogPort = NodePeers.freePort();
        everything = NodePeers.startEverythingHttp(everythingPort);
        ProcessBuilder pb = new ProcessBuilder(List.of(NodePeers.node(), CATALOG_UPSTREAM.toString()))
                .directory(NodePeers.DIR.toFile()).redirectErrorStream(true);
        pb.environment().put("PORT", Integer.toString(catalogPort));
        pb.environment().put("CATALOG", CATALOG.toString());
        catalog = NodePeers.startAndWait(pb, "catalog-upstream listening on", "catalog-upstream:" + catalogPort);
        int modernPort = 0;
        if (!"yaml".equals(format)) {
            modernPort = NodePeers.freePort();
            modern = NodePeers.startModernUpstream(modernPort);
        }
        try {
            config = "yaml".equals(format) ? writeYaml(everythingPort, catalogPort)
                    : writeJson(everythingPort, catalogPort, modernPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>();
        props.put("mcp-gateway.config-file", config.toString());
        props.put("test.catalog.url", "http://127.0.0.1:" + catalogPort);
        props.put("test.discovery.config", config.toString());
        return props;
    }

    private static Path writeJson(int everythingPort, int catalogPort, int modernPort) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("toolDiscovery", "search");
        ObjectNode servers = root.putObject("mcpServers");
        servers.putObject("everything").put("url", "http://127.0.0.1:" + everythingPort + "/mcp");
        servers.putObject("modern").put("url", "http://127.0.0.1:" + modernPort + "/mcp");
        for (String backend : catalogBackends()) {
            servers.putObject(backend).put("url", "http://127.0.0.1:" + catalogPort + "/" + backend + "/mcp");
        }
        // The index holds tools as clients see them: this one under the platform's own name and words.
        ((ObjectNode) servers.get("crm")).set("toolOverrides", MAPPER.readTree("""
                {"update_deal_stage": {"name": "advance_opportunity", "title": "Advance an opportunity",
                  "description": "Moves a sales opportunity forward in the funnel."}}"""));
        // Two API-key callers see different catalogues: only "ops" may see and call the database admin tools.
        JsonNode auth = MAPPER.readTree("""
                {"apiKeys": {"keys": {"ops": "%s", "ci": "%s"}},
                 "authorization": {"defaultAction": "allow",
                  "rules": [{"name": "no-env", "tools": ["everything__get-env"], "action": "deny"},
                            {"name": "db-admins", "tools": ["db__kill_connection", "db__execute_statement"],
                             "action": "deny", "cel": "principal != 'apikey:ops'"}]}}""".formatted(OPS_KEY, CI_KEY));
        root.set("auth", auth);
        return NodePeers.writeConfig("discovery-", root);
    }

    private static Path writeYaml(int everythingPort, int catalogPort) throws IOException {
        StringBuilder catalogRefs = new StringBuilder();
        StringBuilder backends = new StringBuilder();
        for (String b : catalogBackends()) {
            catalogRefs.append("  - {name: ").append(b).append(", kind: Backend, group: gateway.envoyproxy.io, path: /")
                    .append(b)
                    .append("/mcp}\n");
            backends.append("""
                    ---
                    apiVersion: gateway.envoyproxy.io/v1alpha1
                    kind: Backend
                    metadata: {name: %s, namespace: default}
                    spec:
                      endpoints: [{ip: {address: 127.0.0.1, port: %d}}]
                    """.formatted(b, catalogPort));
        }
        String yaml = """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: discovery, namespace: default}
                spec:
                  path: /mcp
                  toolDiscovery: search
                  backendRefs:
                  - {name: everything, kind: Backend, group: gateway.envoyproxy.io, path: /mcp}
                %s  securityPolicy:
                    authorization:
                      defaultAction: Allow
                      rules:
                      - target: {tools: [{backend: everything, tool: get-env}]}
                        action: Deny
                ---
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: catalog-list, namespace: default}
                spec:
                  path: /catalog/list
                  backendRefs:
                %s---
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: catalog-search, namespace: default}
                spec:
                  path: /catalog/search
                  toolDiscovery: search
                  backendRefs:
                %s---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: everything, namespace: default}
                spec:
                  endpoints: [{ip: {address: 127.0.0.1, port: %d}}]
                %s""".formatted(catalogRefs, catalogRefs, catalogRefs, everythingPort, backends);
        Path file = Files.createTempFile("discovery-", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Override
    public void stop() {
        NodePeers.stop(everything);
        NodePeers.stop(catalog);
        NodePeers.stop(modern);
        NodePeers.deleteQuietly(config);
    }
}
