package dev.mcpgateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** When a console without credentials may be served at all. */
class ConsoleAccessTest {

    static ConsoleConfig config(Map<String, String> keys, String scope) {
        return new ConsoleConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public Map<String, String> apiKeys() {
                return keys;
            }

            @Override
            public Optional<String> oauthScope() {
                return Optional.ofNullable(scope);
            }

            @Override
            public Optional<String> oauthRoute() {
                return Optional.empty();
            }

            @Override
            public int maxListedSessions() {
                return 10;
            }
        };
    }

    @Test
    void loopbackListenersAreRecognised() {
        assertThat(ConsoleAccess.loopback("127.0.0.1")).isTrue();
        assertThat(ConsoleAccess.loopback("127.0.0.2")).isTrue();
        assertThat(ConsoleAccess.loopback("localhost")).isTrue();
        assertThat(ConsoleAccess.loopback("::1")).isTrue();
        assertThat(ConsoleAccess.loopback("[::1]")).isTrue();
        assertThat(ConsoleAccess.loopback("0.0.0.0")).isFalse();
        assertThat(ConsoleAccess.loopback("::")).isFalse();
        assertThat(ConsoleAccess.loopback("10.0.0.5")).isFalse();
        assertThat(ConsoleAccess.loopback("gateway.example.com")).isFalse();
        assertThat(ConsoleAccess.loopback("")).isFalse();
    }

    @Test
    void withoutCredentialsAPublicListenerGetsNoConsole() {
        ConsoleAccess open = new ConsoleAccess(config(Map.of(), null), null, null, "0.0.0.0");
        assertThat(open.unavailable()).isNotNull();
        assertThat(open.unavailable().status()).isEqualTo(403);
        assertThat(open.unavailable().message()).contains("mcp-gateway.console.api-keys", "0.0.0.0", "127.0.0.1");
        assertThat(new ConsoleAccess(config(Map.of(), null), null, null, "127.0.0.1").unavailable()).isNull();
        assertThat(new ConsoleAccess(config(Map.of("admin", "k"), null), null, null, "0.0.0.0").unavailable()).isNull();
        assertThat(new ConsoleAccess(config(Map.of(), "mcp-gateway:admin"), null, null, "0.0.0.0").unavailable()).isNull();
    }

    @Test
    void urlsLoseCredentials() {
        assertThat(ConsoleApi.redact("https://user:pw@mcp.example.com:8443/mcp?api_key=secret&x=1"))
                .isEqualTo("https://mcp.example.com:8443/mcp?api_key=***&x=***");
        assertThat(ConsoleApi.redact("http://127.0.0.1:3001/mcp")).isEqualTo("http://127.0.0.1:3001/mcp");
    }
}
