package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code rateLimits} in mcp-servers.json (top level) and on an MCPRoute ({@code spec.rateLimits}). */
class RateLimitsConfigTest {

    private static RouteConfig json(String rateLimits) throws ConfigException {
        return McpServersParser.parse("servers.json", "{\"rateLimits\": " + rateLimits
                + ", \"mcpServers\": {\"a\": {\"url\": \"http://h/mcp\"}, \"b\": {\"url\": \"http://h/mcp\"}}}",
                Map.<String, String>of("N", "7")::get).routes().get(0);
    }

    @Test
    void aRouteWithoutRulesHasNone() throws Exception {
        RouteConfig r = McpServersParser.parse("servers.json", "{\"mcpServers\": {\"a\": {\"url\": \"http://h/mcp\"}}}",
                Map.<String, String>of()::get).routes().get(0);
        assertThat(r.rateLimits()).isEmpty();
        assertThat(r.withToolDiscovery(ToolDiscovery.SEARCH).rateLimits()).isEmpty();
    }

    @Test
    void mcpServersJsonReadsEveryPart() throws Exception {
        RouteConfig r = json(
                """
                        [{"name": "search-per-user", "limit": {"requests": 10, "period": "1m"}, "key": "principal_tool",
                          "match": {"principals": ["svc-*"], "claims": {"org.tier": ["free", "trial"], "plan": "basic"},
                                    "backends": ["a"], "tools": ["search*"], "prompts": ["p"], "resources": ["file:///*"]}},
                         {"limit": {"requests": "${N}", "period": 3600}},
                         {"name": "lists", "match": {"methods": ["tools/list"]}, "limit": {"requests": 1, "period": "1s"}, "key": "route"}]
                        """);
        assertThat(r.rateLimits()).hasSize(3);
        RateLimitRule first = r.rateLimits().get(0);
        assertThat(first.name()).isEqualTo("search-per-user");
        assertThat(first.requests()).isEqualTo(10);
        assertThat(first.period()).isEqualTo(Duration.ofMinutes(1));
        assertThat(first.key()).isEqualTo(RateLimitRule.Key.PRINCIPAL_TOOL);
        RateLimitRule.Match m = first.match();
        assertThat(m.methods()).containsExactly("tools/call", "prompts/get", "resources/read");
        assertThat(m.principals().get(0).matcher("svc-build").matches()).isTrue();
        assertThat(m.principals().get(0).matcher("alice").matches()).isFalse();
        assertThat(m.claims()).containsEntry("org.tier", List.of("free", "trial")).containsEntry("plan", List.of("basic"));
        assertThat(m.backends()).containsExactly("a");
        assertThat(m.tools().get(0).matcher("search_docs").matches()).isTrue();
        assertThat(m.resources().get(0).matcher("file:///a/b.txt").matches()).isTrue();
        assertThat(m.resources().get(0).matcher("file://x").matches()).as("the rest is literal").isFalse();
        RateLimitRule second = r.rateLimits().get(1);
        assertThat(second.name()).as("named by position").isEqualTo("rule-2");
        assertThat(second.requests()).as("${VAR} substituted").isEqualTo(7);
        assertThat(second.period()).isEqualTo(Duration.ofHours(1));
        assertThat(second.key()).as("default key").isEqualTo(RateLimitRule.Key.PRINCIPAL);
        assertThat(second.match()).isEqualTo(RateLimitRule.Match.ALL);
        assertThat(r.rateLimits().get(2).match().methods()).containsExactly("tools/list");
        assertThat(r.withToolDiscovery(ToolDiscovery.SEARCH).rateLimits()).as("kept by other copies").hasSize(3);
    }

    @Test
    void mistakesNameTheFieldAndWhatWasExpected() {
        fails("{}", "\"rateLimits\"", "expected an array");
        fails("[{\"name\": \"x\"}]", "\"rateLimits\"[0].limit", "required");
        fails("[{\"limit\": {\"requests\": 0, \"period\": \"1m\"}}]", "\"rateLimits\"[0].limit.requests",
                "from 1 to 1000000000");
        fails("[{\"limit\": {\"requests\": 1.5, \"period\": \"1m\"}}]", "limit.requests", "whole number");
        fails("[{\"limit\": {\"requests\": 5}}]", "\"rateLimits\"[0].limit.period", "required");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"500ms\"}}]", "limit.period", "from 1s");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1500ms\"}}]", "limit.period", "whole seconds");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"2d\"}}]", "limit.period");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1m\", \"burst\": 2}}]", "unknown field \"burst\"");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1m\"}, \"key\": \"tool\"}]", "\"rateLimits\"[0].key",
                "expected one of principal, principal_tool, route; got \"tool\"");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1m\"}, \"match\": {\"backends\": [\"c\"]}}]",
                "\"rateLimits\"[0].match.backends[0]", "no backend \"c\" on this route; expected one of a, b");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1m\"}, \"match\": {\"methods\": [\"tools/list\", \"ping\"]}}]",
                "match.methods[1]", "got \"ping\"");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1m\"}, \"match\": {\"tool\": [\"x\"]}}]",
                "unknown field \"tool\"");
        fails("[{\"limit\": {\"requests\": 5, \"period\": \"1m\"}, \"match\": {\"claims\": {\"tier\": []}}}]",
                "match.claims.\"tier\"", "at least one accepted value");
        fails("[{\"name\": \"a b\", \"limit\": {\"requests\": 5, \"period\": \"1m\"}}]", "\"rateLimits\"[0].name");
        fails("[{\"name\": \"x\", \"limit\": {\"requests\": 5, \"period\": \"1m\"}},"
                + " {\"name\": \"x\", \"limit\": {\"requests\": 5, \"period\": \"1m\"}}]", "\"rateLimits\"[1].name",
                "names an earlier rule");
    }

    private static void fails(String rateLimits, String... fragments) {
        assertThatThrownBy(() -> json(rateLimits)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("servers.json: ").contains(fragments));
    }

    @Test
    void mcpRouteSpec() throws Exception {
        RouteConfig r = McpRouteParserTest.route("""
                rateLimits:
                - name: per-user
                  match: {tools: [echo], claims: {groups: [admins]}}
                  limit: {requests: 3, period: 1m}
                  key: principal
                """ + McpRouteParserTest.localRef(""), McpRouteParserTest.LOCAL_BACKEND);
        assertThat(r.rateLimits()).singleElement().satisfies(rule -> {
            assertThat(rule.name()).isEqualTo("per-user");
            assertThat(rule.requests()).isEqualTo(3);
            assertThat(rule.period()).isEqualTo(Duration.ofMinutes(1));
            assertThat(rule.match().claims()).containsEntry("groups", List.of("admins"));
        });
        assertThatThrownBy(() -> McpRouteParserTest.route("rateLimits:\n- limit: {requests: 3}\n"
                + McpRouteParserTest.localRef(""), McpRouteParserTest.LOCAL_BACKEND))
                .hasMessageContaining("spec.rateLimits[0].limit.period").hasMessageContaining("required");
        assertThatThrownBy(() -> McpRouteParserTest.route("rateLimits:\n- limit: {requests: 3, period: 1m}\n"
                + "  match: {backends: [other]}\n" + McpRouteParserTest.localRef(""), McpRouteParserTest.LOCAL_BACKEND))
                .hasMessageContaining("spec.rateLimits[0].match.backends[0]").hasMessageContaining("no backend \"other\"");
    }
}
