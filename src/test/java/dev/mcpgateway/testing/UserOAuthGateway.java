package dev.mcpgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.mcpgateway.security.RecordingUpstream;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The gateway with a {@code user_oauth} backend: a real Keycloak whose realm {@code thirdparty} acts
 * as the backend's own authorization server (short access tokens), a {@link SubjectUpstream} that
 * accepts only that realm's tokens (as {@code secure}, and as {@code pub} through a public client
 * that gets no token of its own), and a plain backend that records what it receives. Callers
 * authenticate to the gateway with API keys (clients {@code alice}, {@code bob} and {@code carol}).
 */
public class UserOAuthGateway implements QuarkusTestResourceLifecycleManager {

    public static final String ALICE_KEY = "alice-key-0123456789abcdef";
    public static final String BOB_KEY = "bob-key-0123456789abcdef01";
    public static final String CAROL_KEY = "carol-key-0123456789abcdef";
    public static final String SIGNING_KEY = "user-oauth-test-signing-key";
    public static final String REALM = "thirdparty";
    private static KeycloakServer keycloak;
    private static SubjectUpstream upstream;
    private static int gatewayPort;
    private RecordingUpstream plain;
    private Path config;

    public static KeycloakServer keycloak() {
        return keycloak;
    }

    public static SubjectUpstream upstream() {
        return upstream;
    }

    public static String gateway() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    @Override
    public Map<String, String> start() {
        gatewayPort = NodePeers.freePort();
        keycloak = KeycloakServer.start(Map.of("GATEWAY_RESOURCE", gateway() + "/mcp", "GATEWAY_CALLBACK",
                gateway() + "/oauth/callback"), List.of("thirdparty-realm.json"));
        upstream = new SubjectUpstream(keycloak.issuer(REALM));
        plain = new RecordingUpstream();
        String json = """
                {
                  "auth": {"apiKeys": {"keys": {"alice": "%s", "bob": "%s", "carol": "%s"}}},
                  "mcpServers": {
                    "secure": {"url": "%s", "auth": {"type": "user_oauth", "issuer": "%s",
                               "clientId": "mcp-gateway-connector", "clientSecret": "connector-secret",
                               "scopes": ["openid", "profile"]}},
                    "pub": {"url": "%s", "auth": {"type": "user_oauth", "issuer": "%s", "clientId": "mcp-gateway-public"}},
                    "plain": {"url": "%s"}
                  }
                }""".formatted(ALICE_KEY, BOB_KEY, CAROL_KEY, upstream.url(), keycloak.issuer(REALM), upstream.url(),
                keycloak.issuer(REALM), plain.url("/plain"));
        try {
            config = Files.createTempFile("user-oauth-", ".json");
            Files.writeString(config, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>();
        props.put("mcp-gateway.config-file", config.toString());
        props.put("quarkus.http.test-port", String.valueOf(gatewayPort));
        props.put("mcp-gateway.signing-key", SIGNING_KEY);
        props.put("mcp-gateway.user-oauth.refresh-margin", "1s");
        props.put("quarkus.log.category.\"dev.mcpgateway.grants\".level", "DEBUG");
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
        if (plain != null) {
            plain.close();
        }
        try {
            if (config != null) {
                Files.deleteIfExists(config);
            }
        } catch (IOException ignored) {
            // a temporary file
        }
    }
}
