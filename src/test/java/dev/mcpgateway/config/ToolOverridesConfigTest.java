package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code toolOverrides} in both formats, and the names two tools may not share. */
class ToolOverridesConfigTest {

    static GatewayModel servers(String json) throws ConfigException {
        return McpServersParser.parse("servers.json", json, Map.<String, String>of()::get);
    }

    static GatewayModel route(String backendRefs, String prefixMode) throws ConfigException {
        return McpRouteParser.parse("route.yaml", """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: r}
                spec:
                  prefixMode: %s
                  backendRefs:
                %s""".formatted(prefixMode, backendRefs.indent(2)), Map.<String, String>of()::get);
    }

    @Test
    void bothFormatsReadTheSameOverrides() throws Exception {
        ToolOverrides fromJson = servers("""
                {"mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "toolOverrides": {
                  "create_issue": {"name": "open_ticket", "title": "Open a ticket", "description": "Files a bug.",
                                   "annotations": {"destructiveHint": false, "title": "Ticket"}},
                  "search": {"description": "Finds code."}}}}}""").routes().get(0).backend("gh").toolOverrides();
        ToolOverrides fromYaml = route("""
                - name: gh
                  port: 8080
                  toolOverrides:
                    create_issue:
                      name: open_ticket
                      title: Open a ticket
                      description: Files a bug.
                      annotations: {destructiveHint: false, title: Ticket}
                    search: {description: Finds code.}
                """, "always").routes().get(0).backend("gh").toolOverrides();
        assertThat(fromYaml).isEqualTo(fromJson);
        assertThat(fromJson.forUpstream("create_issue")).isEqualTo(new ToolOverride("open_ticket", "Open a ticket",
                "Files a bug.", Map.of("destructiveHint", false, "title", "Ticket")));
        assertThat(fromJson.shownName("create_issue")).isEqualTo("open_ticket");
        assertThat(fromJson.shownName("search")).isEqualTo("search");
        assertThat(fromJson.shownName("other")).isEqualTo("other");
        assertThat(fromJson.upstreamName("open_ticket")).isEqualTo("create_issue");
        assertThat(fromJson.upstreamName("create_issue")).as("renamed away").isNull();
        assertThat(fromJson.upstreamName("search")).isEqualTo("search");
        assertThat(servers("{\"mcpServers\": {\"a\": {\"url\": \"http://127.0.0.1:1/mcp\"}}}").routes().get(0).backend("a")
                .toolOverrides()).isEqualTo(ToolOverrides.NONE);
    }

    @Test
    void anUpstreamToolWhoseNameAnotherTookIsHidden() throws Exception {
        ToolOverrides o = servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp",
                  "toolOverrides": {"v2_search": {"name": "search"}}}}}""").routes().get(0).backend("a").toolOverrides();
        assertThat(o.shownName("search")).as("the upstream's own search").isNull();
        assertThat(o.upstreamName("search")).isEqualTo("v2_search");
        // Two tools may swap names.
        ToolOverrides swap = servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp",
                  "toolOverrides": {"x": {"name": "y"}, "y": {"name": "x"}}}}}""").routes().get(0).backend("a").toolOverrides();
        assertThat(swap.upstreamName("x")).isEqualTo("y");
        assertThat(swap.upstreamName("y")).isEqualTo("x");
        assertThat(swap.shownName("x")).isEqualTo("y");
    }

    @Test
    void conflictingNamesAreRefused() {
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp",
                  "toolOverrides": {"x": {"name": "z"}, "y": {"name": "z"}}}}}"""))
                .hasMessageContaining("servers.json: server \"a\": \"toolOverrides\".\"y\"")
                .hasMessageContaining("\"z\", which \"x\" already shows");
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp",
                  "toolOverrides": {"x": {"description": "kept"}, "y": {"name": "x"}}}}}"""))
                .hasMessageContaining("\"x\", which \"x\" already shows");
        // Without prefixes, two backends share one namespace.
        String twoBackends = """
                {"prefixMode": "%s", "mcpServers": {
                  "a": {"url": "http://127.0.0.1:1/mcp", "toolOverrides": {"x": {"name": "search"}}},
                  "b": {"url": "http://127.0.0.1:2/mcp", "toolOverrides": {"y": {"name": "search"}}}}}""";
        assertThatThrownBy(() -> servers(twoBackends.formatted("never")))
                .hasMessageContaining("server \"b\"").hasMessageContaining("backend \"a\" also shows");
        assertThatThrownBy(() -> route("""
                - {name: a, port: 1, toolOverrides: {x: {name: search}}}
                - {name: b, port: 2, toolOverrides: {y: {name: search}}}
                """, "never")).hasMessageContaining("backendRefs[1].toolOverrides.y").hasMessageContaining("also shows");
        assertThat(catchNothing(() -> servers(twoBackends.formatted("conditional")))).isTrue();
    }

    @Test
    void badOverridesAreNamed() {
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp", "toolOverrides": {"x": {"name": "two words"}}}}}"""))
                .hasMessageContaining("\"two words\" is not a tool name");
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp", "toolOverrides": {"x": {"nmae": "y"}}}}}"""))
                .hasMessageContaining("unknown field \"nmae\"");
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp",
                  "toolOverrides": {"x": {"annotations": {"readOnly": true}}}}}}"""))
                .hasMessageContaining("unknown annotation");
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp",
                  "toolOverrides": {"x": {"annotations": {"readOnlyHint": "yes"}}}}}}"""))
                .hasMessageContaining("expected true or false");
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp", "toolOverrides": ["x"]}}}"""))
                .hasMessageContaining("expected an object keyed by the upstream's tool names");
    }

    private static boolean catchNothing(ThrowingRunnable r) {
        try {
            r.run();
            return true;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
