package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** mcp-servers.json {@code isolation} and {@code inheritEnv} of stdio servers. */
class StdioFieldsTest {

    static BackendConfig only(String server) throws ConfigException {
        return McpServersParser.parse("servers.json", "{\"mcpServers\": {\"s\": " + server + "}}",
                Map.of("TOOL_HOME", "/opt/tool")::get).routes().get(0).backend("s");
    }

    @Test
    void isolationDefaultsToSessionAndReadsEveryValue() throws Exception {
        assertThat(only("{\"command\": \"x\"}").isolation()).isEqualTo(StdioIsolation.SESSION);
        assertThat(only("{\"command\": \"x\", \"isolation\": \"session\"}").isolation()).isEqualTo(StdioIsolation.SESSION);
        assertThat(only("{\"command\": \"x\", \"isolation\": \"principal\"}").isolation())
                .isEqualTo(StdioIsolation.PRINCIPAL);
        assertThat(only("{\"command\": \"x\", \"isolation\": \"shared\"}").isolation()).isEqualTo(StdioIsolation.SHARED);
    }

    @Test
    void inheritEnvListsVariableNames() throws Exception {
        BackendConfig b = only("{\"command\": \"x\", \"inheritEnv\": [\"TOOL_HOME\", \"http_proxy\"]}");
        assertThat(b.inheritEnv()).containsExactly("TOOL_HOME", "http_proxy");
        assertThat(only("{\"command\": \"x\"}").inheritEnv()).isEmpty();
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> only("{\"command\": \"x\", \"isolation\": \"per-user\"}"))
                .hasMessageContaining("servers.json: server \"s\": \"isolation\"")
                .hasMessageContaining("session, principal").hasMessageContaining("\"per-user\"");
        assertThatThrownBy(() -> only("{\"command\": \"x\", \"isolation\": 1}"))
                .hasMessageContaining("\"isolation\": expected a string");
        assertThatThrownBy(() -> only("{\"command\": \"x\", \"inheritEnv\": \"PATH\"}"))
                .hasMessageContaining("\"inheritEnv\": expected an array");
        assertThatThrownBy(() -> only("{\"command\": \"x\", \"inheritEnv\": [\"A=B\"]}"))
                .hasMessageContaining("\"inheritEnv\"[0]").hasMessageContaining("\"A=B\"")
                .hasMessageContaining("variable name");
    }

    @Test
    void onlyStdioServersTakeThem() {
        assertThatThrownBy(() -> only("{\"url\": \"http://h/mcp\", \"isolation\": \"shared\"}"))
                .hasMessageContaining("server \"s\": \"isolation\"").hasMessageContaining("stdio");
        assertThatThrownBy(() -> only("{\"url\": \"http://h/mcp\", \"inheritEnv\": [\"PATH\"]}"))
                .hasMessageContaining("server \"s\": \"inheritEnv\"").hasMessageContaining("stdio");
    }
}
