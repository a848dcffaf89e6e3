package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.mcpgateway.config.AuthorizationConfig;
import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpServersParser;
import dev.mcpgateway.config.RouteConfig;
import dev.mcpgateway.config.RouteSecurity;

/** The {@code auth} sections of mcp-servers.json become the route's security model. */
class McpServersAuthConfigTest {

    static RouteConfig parse(String json, Map<String, String> env) throws ConfigException {
        return McpServersParser.parse("servers.json", json, env::get).routes().get(0);
    }

    @Test
    void fullAuthSection(@TempDir Path dir) throws Exception {
        Path keyDir = Files.createDirectories(dir.resolve("keys"));
        Files.writeString(keyDir.resolve("ops"), "ops-key-0123456789abcdef\n");
        String json = """
                {"auth": {
                   "oauth": {"issuer": "https://idp.example.com/realms/mcp", "resource": "https://gw.example.com/mcp",
                             "scopesSupported": ["mcp:tools"], "requiredScopes": ["mcp:tools"],
                             "introspection": {"clientId": "gw", "clientSecret": "${SECRET}"}},
                   "apiKeys": {"env": "KEYS", "file": "%s", "keys": {"inline": "inline-key-0123456789"}},
                   "authorization": {"defaultAction": "allow", "rules": [
                      {"name": "no-writes", "tools": ["fs__write_file", {"backend": "*", "name": "delete"}], "action": "deny",
                       "claims": {"groups": ["interns"], "org.tier": "free"}, "cel": "method == 'tools/call'"}]}},
                 "mcpServers": {
                   "fs": {"url": "http://127.0.0.1:1/mcp",
                          "auth": {"type": "token_exchange", "issuer": "https://idp.example.com/realms/mcp",
                                   "clientId": "gw", "clientSecret": "s", "audience": "fs-api"}}}}
                """.formatted(keyDir);
        RouteConfig route = parse(json, Map.of("SECRET", "introspect-secret", "KEYS", "ci=ci-key-0123456789abcdef"));
        RouteSecurity s = route.security();
        assertThat(s.oauth().effectiveAudiences()).containsExactly("https://gw.example.com/mcp");
        assertThat(s.oauth().requiredScopes()).containsExactly("mcp:tools");
        assertThat(s.oauth().introspection().clientSecret()).isEqualTo("introspect-secret");
        assertThat(s.apiKeyAuth().clientKeys()).containsOnlyKeys("ci", "ops", "inline")
                .containsEntry("ops", "ops-key-0123456789abcdef");
        AuthorizationConfig.Rule rule = s.authorization().rules().get(0);
        assertThat(rule.tools()).containsExactly(new AuthorizationConfig.ToolTarget("fs", "write_file"),
                new AuthorizationConfig.ToolTarget("*", "delete"));
        assertThat(rule.source().claims()).hasSize(2);
        assertThat(rule.cel()).isEqualTo("method == 'tools/call'");
        assertThat(s.upstreams().get("fs").kind()).isEqualTo(RouteSecurity.UpstreamAuth.Kind.TOKEN_EXCHANGE);
        assertThat(s.upstreams().get("fs").header()).isEqualTo("Authorization");
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> parse("""
                {"auth": {"oauth": {"issuer": "https://idp.example.com"}}, "mcpServers": {"a": {"url": "http://h/mcp"}}}""",
                Map.of())).hasMessageContaining("\"auth\".oauth.resource: required");
        assertThatThrownBy(() -> parse("""
                {"auth": {"apiKeys": {"keys": {"ci": "short"}}}, "mcpServers": {"a": {"url": "http://h/mcp"}}}""",
                Map.of())).hasMessageContaining("shorter than 16");
        assertThatThrownBy(() -> parse("""
                {"auth": {"authorization": {"rules": [{"tools": ["b__x"]}]}}, "mcpServers": {"a": {"url": "http://h/mcp"}}}""",
                Map.of())).hasMessageContaining("no server named \"b\"");
        assertThatThrownBy(() -> parse(
                """
                        {"auth": {"authorization": {"rules": [{"cel": "arguments.x <"}]}}, "mcpServers": {"a": {"url": "http://h/mcp"}}}""",
                Map.of())).hasMessageContaining("rules[0].cel: invalid CEL");
        assertThatThrownBy(() -> parse("""
                {"auth": {"oauth": {"issuer": "https://i", "resource": "https://r/mcp", "signingAlgorithms": ["HS256"]}},
                 "mcpServers": {"a": {"url": "http://h/mcp"}}}""", Map.of())).hasMessageContaining("HS256");
        assertThatThrownBy(() -> parse("""
                {"auth": {"apiKeys": {"env": "MISSING"}}, "mcpServers": {"a": {"url": "http://h/mcp"}}}""", Map.of()))
                .hasMessageContaining("MISSING is not set");
        assertThatThrownBy(() -> parse("""
                {"mcpServers": {"a": {"url": "http://h/mcp", "auth": {"type": "magic"}}}}""", Map.of()))
                .hasMessageContaining("server \"a\": \"auth\".type");
        assertThatThrownBy(() -> parse("""
                {"auth": {"oauht": {}}, "mcpServers": {"a": {"url": "http://h/mcp"}}}""", Map.of()))
                .hasMessageContaining("unknown field \"oauht\"");
    }

    @Test
    void noAuthMeansOpen() throws Exception {
        assertThat(parse("{\"mcpServers\": {\"a\": {\"url\": \"http://h/mcp\"}}}", Map.of()).security().isNone()).isTrue();
    }
}
