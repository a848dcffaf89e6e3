package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.mcpgateway.security.RecordingUpstream;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The gateway secured by a real Keycloak: starts Keycloak (realm {@code mcp}) and a recording
 * upstream, and writes an mcp-servers.json whose {@code auth} section takes Keycloak's tokens
 * (resource {@code http://127.0.0.1:PORT/mcp}, scope {@code mcp:tools} required), API keys from a
 * file, and per-tool rules. The gateway listens on a port picked here, because the resource URI
 * (the tokens' audience) names it.
 */
public class KeycloakGateway implements QuarkusTestResourceLifecycleManager {

    public static final String API_KEY = "ci-key-0123456789abcdef0123";
    private static KeycloakServer keycloak;
    private static int gatewayPort;
    private RecordingUpstream upstream;
    private Path config;
    private Path keys;

    public static KeycloakServer keycloak() {
        return keycloak;
    }

    public static String resource() {
        return "http://127.0.0.1:" + gatewayPort + "/mcp";
    }

    @Override
    public Map<String, String> start() {
        gatewayPort = NodePeers.freePort();
        keycloak = KeycloakServer.start(Map.of("GATEWAY_RESOURCE", resource()));
        upstream = new RecordingUpstream();
        String issuer = keycloak.issuer();
        try {
            keys = Files.createTempFile("api-keys-", ".txt");
            Files.writeString(keys, "# client=key\nci=" + API_KEY + "\n");
            String json = """
                    {
                      "auth": {
                        "oauth": {
                          "issuer": "%s",
                          "resource": "%s",
                          "scopesSupported": ["mcp:tools"],
                          "requiredScopes": ["mcp:tools"],
                          "resourceName": "MCP gateway (test)",
                          "resourceDocumentation": "https://example.com/docs",
                          "introspection": {"clientId": "mcp-gateway", "clientSecret": "gateway-secret"},
                          "claimToHeaders": [{"claim": "preferred_username", "header": "X-User"}]
                        },
                        "apiKeys": {"file": "%s", "forwardClientIdHeader": "X-Client-Id"},
                        "authorization": {
                          "defaultAction": "deny",
                          "rules": [
                            {"name": "everyone", "tools": ["up__echo", "up__read"], "prompts": ["up__*"]},
                            {"name": "admins", "tools": ["up__admin"], "scopes": ["mcp:admin"]},
                            {"name": "engineering", "tools": ["up__deploy"], "claims": {"groups": ["engineering"]}},
                            {"name": "small-transfers", "tools": ["up__transfer"],
                             "cel": "!has(arguments.amount) || arguments.amount < 100"},
                            {"name": "gold-reads", "resources": [{"backend": "up", "name": "test://doc"}],
                             "claims": {"org.tier": "gold"}}
                          ]
                        }
                      },
                      "mcpServers": {
                        "up": {"url": "%s"},
                        "cc": {"url": "%s", "auth": {"type": "client_credentials", "issuer": "%s",
                               "clientId": "mcp-gateway", "clientSecret": "gateway-secret"}},
                        "tx": {"url": "%s", "auth": {"type": "token_exchange", "issuer": "%s",
                               "clientId": "mcp-gateway", "clientSecret": "gateway-secret", "audience": "upstream-api"}},
                        "pass": {"url": "%s", "auth": {"type": "passthrough"}}
                      }
                    }""".formatted(issuer, resource(), keys, upstream.url("/up"), upstream.url("/cc"), issuer,
                    upstream.url("/tx"),
                    issuer, upstream.url("/pass"));
            config = Files.createTempFile("keycloak-gateway-", ".json");
            Files.writeString(config, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>();
        props.put("mcp-gateway.config-file", config.toString());
        props.put("quarkus.http.test-port", String.valueOf(gatewayPort));
        props.put("mcp-gateway.auth.clock-skew", "0s");
        props.put("mcp-gateway.auth.cors-origins", "https://app.example.com");
        props.put("quarkus.log.category.\"dev.mcpgateway.security\".level", "DEBUG");
        return props;
    }

    @Override
    public void stop() {
        if (keycloak != null) {
            keycloak.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        try {
            if (config != null) {
                Files.deleteIfExists(config);
            }
            if (keys != null) {
                Files.deleteIfExists(keys);
            }
        } catch (IOException ignored) {
            // temporary files
        }
    }
}
