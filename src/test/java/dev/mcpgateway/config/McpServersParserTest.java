package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class McpServersParserTest {

    static final Map<String, String> ENV = Map.of("TOKEN", "s3cret", "HOST", "127.0.0.1", "EMPTY", "");

    static GatewayModel parse(String json) throws ConfigException {
        return McpServersParser.parse("servers.json", json, ENV::get);
    }

    static BackendConfig only(String json) throws ConfigException {
        return parse(json).routes().get(0).backends().get(0);
    }

    @Test
    void infersTransportsAndReadsEveryField() throws Exception {
        GatewayModel m = parse("""
                {"mcpServers": {
                  "web": {"url": "http://${HOST}:3001/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"},
                          "tools": ["echo"], "excludeTools": ["rm"], "timeout": 5},
                  "local": {"command": "npx", "args": ["-y", "pkg-${TOKEN}"], "env": {"K": "${TOKEN}"}, "cwd": "/tmp"},
                  "old": {"type": "sse", "url": "https://example.test/sse"},
                  "s1": {"type": "streamable-http", "url": "http://a/mcp"},
                  "s2": {"type": "streamableHttp", "url": "http://a/mcp"},
                  "s3": {"type": "stdio", "command": "x"},
                  "off": {"command": "nothing", "disabled": true}
                }}""");
        var route = m.routes().get(0);
        assertThat(route.path()).isEqualTo("/mcp");
        assertThat(route.backends()).extracting(BackendConfig::name).containsExactly("web", "local", "old", "s1", "s2", "s3");
        BackendConfig web = route.backend("web");
        assertThat(web.transport()).isEqualTo(TransportKind.STREAMABLE_HTTP);
        assertThat(web.url()).isEqualTo("http://127.0.0.1:3001/mcp");
        assertThat(web.headers()).containsEntry("Authorization", "Bearer s3cret");
        assertThat(web.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.tools().allows("echo")).isTrue();
        assertThat(web.tools().allows("rm")).isFalse();
        assertThat(web.tools().allows("other")).isFalse();
        BackendConfig local = route.backend("local");
        assertThat(local.transport()).isEqualTo(TransportKind.STDIO);
        assertThat(local.args()).containsExactly("-y", "pkg-s3cret");
        assertThat(local.env()).containsEntry("K", "s3cret");
        assertThat(local.cwd()).isEqualTo("/tmp");
        assertThat(local.tools().allowsAll()).isTrue();
        assertThat(route.backend("old").transport()).isEqualTo(TransportKind.SSE);
        assertThat(route.backend("s1").transport()).isEqualTo(TransportKind.STREAMABLE_HTTP);
        assertThat(route.backend("s2").transport()).isEqualTo(TransportKind.STREAMABLE_HTTP);
    }

    @Test
    void includeToolsAliasAndExclusionWins() throws Exception {
        BackendConfig b = only(
                "{\"mcpServers\":{\"a\":{\"url\":\"http://h/mcp\",\"includeTools\":[\"x\",\"y\"],\"excludeTools\":[\"y\"]}}}");
        assertThat(b.tools().allows("x")).isTrue();
        assertThat(b.tools().allows("y")).isFalse();
    }

    @Test
    void defaultsAndSubstitutionFallback() throws Exception {
        BackendConfig b = only(
                "{\"mcpServers\":{\"a\":{\"url\":\"http://${MISSING:-localhost}:1/mcp\",\"headers\":{\"X\":\"${EMPTY:-d}\"}}}}");
        assertThat(b.url()).isEqualTo("http://localhost:1/mcp");
        assertThat(b.headers()).containsEntry("X", "d");
        assertThat(b.timeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void errorsNameTheFileTheServerAndTheField() {
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"a\":{\"type\":\"websocket\",\"url\":\"http://h\"}}}"))
                .hasMessageContaining("servers.json").hasMessageContaining("\"a\"").hasMessageContaining("\"type\"")
                .hasMessageContaining("websocket");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"b\":{\"args\":[\"x\"]}}}"))
                .hasMessageContaining("\"b\"").hasMessageContaining("\"url\"").hasMessageContaining("\"command\"");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"c\":{\"url\":\"http://h\",\"headers\":{\"A\":\"${NOPE}\"}}}}"))
                .hasMessageContaining("\"c\"").hasMessageContaining("\"headers\"").hasMessageContaining("NOPE");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"d\":{\"command\":\"${NOPE2}\"}}}"))
                .hasMessageContaining("\"d\"").hasMessageContaining("\"command\"").hasMessageContaining("NOPE2");
        assertThatThrownBy(() -> parse("{\"mcpServers\": {")).hasMessageContaining("servers.json")
                .hasMessageContaining("invalid JSON");
        assertThatThrownBy(() -> parse("{}")).hasMessageContaining("mcpServers");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"a__b\":{\"command\":\"x\"}}}")).hasMessageContaining("a__b");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"e\":{\"url\":\"ftp://h\"}}}")).hasMessageContaining("\"e\"")
                .hasMessageContaining("\"url\"");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"f\":{\"type\":\"stdio\",\"url\":\"http://h\"}}}"))
                .hasMessageContaining("\"f\"").hasMessageContaining("\"command\"");
        assertThatThrownBy(() -> parse("{\"mcpServers\":{\"g\":{\"url\":\"http://h\",\"tools\":\"echo\"}}}"))
                .hasMessageContaining("\"g\"").hasMessageContaining("\"tools\"");
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> McpServersParser.parse(Path.of("/nonexistent/servers.json")))
                .hasMessageContaining("/nonexistent/servers.json").hasMessageContaining("not found");
    }

    @Test
    void prefixModes() throws Exception {
        assertThat(
                parse("{\"prefixMode\":\"conditional\",\"mcpServers\":{\"a\":{\"command\":\"x\"}}}").routes().get(0).prefixed())
                .isFalse();
        assertThat(parse("{\"mcpServers\":{\"a\":{\"command\":\"x\"}}}").routes().get(0).prefixed()).isTrue();
        assertThat(
                parse("{\"prefixMode\":\"conditional\",\"mcpServers\":{\"a\":{\"command\":\"x\"},\"b\":{\"command\":\"y\"}}}")
                        .routes().get(0).prefixed())
                .isTrue();
        assertThatThrownBy(() -> parse("{\"prefixMode\":\"sometimes\",\"mcpServers\":{\"a\":{\"command\":\"x\"}}}"))
                .hasMessageContaining("prefixMode");
    }
}
