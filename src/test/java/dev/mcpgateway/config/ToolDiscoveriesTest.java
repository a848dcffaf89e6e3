package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code toolDiscovery} in mcp-servers.json (top level) and on an MCPRoute ({@code spec.toolDiscovery}). */
class ToolDiscoveriesTest {

    private static RouteConfig json(String field) throws ConfigException {
        return McpServersParser.parse("servers.json", "{" + field + "\"mcpServers\": {\"a\": {\"url\": \"http://h/mcp\"}}}",
                Map.<String, String>of()::get).routes().get(0);
    }

    @Test
    void mcpServersJson() throws Exception {
        assertThat(json("").toolDiscovery()).isEqualTo(ToolDiscovery.LIST);
        assertThat(json("\"toolDiscovery\": \"list\",").toolDiscovery()).isEqualTo(ToolDiscovery.LIST);
        assertThat(json("\"toolDiscovery\": \"search\",").toolDiscovery()).isEqualTo(ToolDiscovery.SEARCH);
        assertThatThrownBy(() -> json("\"toolDiscovery\": \"browse\","))
                .hasMessageContaining("servers.json").hasMessageContaining("toolDiscovery")
                .hasMessageContaining("expected list or search, got \"browse\"");
        assertThatThrownBy(() -> json("\"toolDiscovery\": true,")).hasMessageContaining("toolDiscovery");
    }

    @Test
    void mcpRouteSpec() throws Exception {
        assertThat(McpRouteParserTest.route(McpRouteParserTest.localRef(""), McpRouteParserTest.LOCAL_BACKEND)
                .toolDiscovery()).isEqualTo(ToolDiscovery.LIST);
        assertThat(McpRouteParserTest.route("toolDiscovery: search\n" + McpRouteParserTest.localRef(""),
                McpRouteParserTest.LOCAL_BACKEND).toolDiscovery()).isEqualTo(ToolDiscovery.SEARCH);
        assertThatThrownBy(() -> McpRouteParserTest.route("toolDiscovery: browse\n" + McpRouteParserTest.localRef(""),
                McpRouteParserTest.LOCAL_BACKEND)).hasMessageContaining("spec.toolDiscovery")
                .hasMessageContaining("expected list or search");
    }
}
