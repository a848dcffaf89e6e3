package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.RouteSecurity.UpstreamAuth;

/** {@code user_oauth} in mcp-servers.json and {@code securityPolicy.oauthClient} in an MCPRoute. */
class UserOAuthConfigTest {

    private static RouteConfig servers(String json) throws ConfigException {
        return McpServersParser.parse("servers.json", json, Map.<String, String>of()::get).routes().get(0);
    }

    private static final String KEYS = "\"auth\": {\"apiKeys\": {\"keys\": {\"a\": \"a-key-0123456789abcdef\"}}},";

    @Test
    void aServerWithUserOAuth() throws Exception {
        RouteConfig route = servers("{" + KEYS + """
                "mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "auth": {"type": "user_oauth",
                  "issuer": "https://github.example.com", "clientId": "gw", "clientSecret": "s", "scopes": ["repo"]}}}}""");
        UpstreamAuth auth = route.security().upstreams().get("gh");
        assertThat(auth.kind()).isEqualTo(UpstreamAuth.Kind.USER_OAUTH);
        assertThat(auth.issuer()).isEqualTo("https://github.example.com");
        assertThat(auth.clientId()).isEqualTo("gw");
        assertThat(auth.clientSecret()).isEqualTo("s");
        assertThat(auth.scopes()).containsExactly("repo");
        assertThat(auth.header()).isEqualTo("Authorization");
        assertThat(route.security().hasUserOAuth()).isTrue();
    }

    @Test
    void explicitEndpointsInsteadOfAnIssuer() throws Exception {
        UpstreamAuth auth = servers("{" + KEYS
                + """
                        "mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "auth": {"type": "user_oauth", "clientId": "gw",
                          "authorizationEndpoint": "https://as.example.com/authorize", "tokenEndpoint": "https://as.example.com/token"}}}}""")
                .security().upstreams().get("gh");
        assertThat(auth.authorizationEndpoint()).isEqualTo("https://as.example.com/authorize");
        assertThat(auth.tokenEndpoint()).isEqualTo("https://as.example.com/token");
        assertThat(auth.clientSecret()).as("a public client").isNull();
    }

    @Test
    void mistakesNameTheField() {
        assertThatThrownBy(() -> servers("""
                {"mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "auth": {"type": "user_oauth",
                  "issuer": "https://as.example.com", "clientId": "gw"}}}}""")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("servers.json").hasMessageContaining("needs callers who authenticate");
        assertThatThrownBy(() -> servers("{" + KEYS + """
                "mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "auth": {"type": "user_oauth", "clientId": "gw",
                  "tokenEndpoint": "https://as.example.com/token"}}}}""")).hasMessageContaining("authorizationEndpoint");
        assertThatThrownBy(() -> servers("{" + KEYS + """
                "mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "auth": {"type": "user_oauth",
                  "issuer": "https://as.example.com"}}}}""")).hasMessageContaining("clientId");
        assertThatThrownBy(() -> servers("{" + KEYS + """
                "mcpServers": {"gh": {"url": "http://127.0.0.1:1/mcp", "auth": {"type": "client_credentials",
                  "issuer": "https://as.example.com", "clientId": "gw",
                  "authorizationEndpoint": "https://as.example.com/a"}}}}""")).hasMessageContaining("only for user_oauth");
    }

    @Test
    void anMcpRouteBackendWithAnOAuthClient() throws Exception {
        String spec = McpRouteParserTest.localRef(", securityPolicy: {oauthClient: {issuer: 'https://as.example.com',"
                + " clientId: gw, clientSecretRef: {name: gh-client}, scopes: [repo]}}")
                + "securityPolicy: {apiKeyAuth: {credentialRefs: [{name: clients}], extractFrom: [{headers: [X-API-Key]}]}}\n";
        String secrets = """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: gh-client, namespace: default}
                stringData: {clientSecret: the-secret}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: clients, namespace: default}
                stringData: {alice: alice-key-0123456789abcdef}
                """;
        RouteConfig route = McpRouteParserTest.route(spec, McpRouteParserTest.LOCAL_BACKEND, secrets);
        UpstreamAuth auth = route.security().upstreams().get("local");
        assertThat(auth.kind()).isEqualTo(UpstreamAuth.Kind.USER_OAUTH);
        assertThat(auth.clientSecret()).isEqualTo("the-secret");
        assertThat(auth.scopes()).containsExactly("repo");
    }

    @Test
    void anMcpRouteOAuthClientNeedsAnAuthenticatedRoute() {
        McpRouteParserTest.fails(McpRouteParserTest.ROUTE_HEAD + McpRouteParserTest.localRef(
                ", securityPolicy: {oauthClient: {issuer: 'https://as.example.com', clientId: gw}}").indent(2)
                + McpRouteParserTest.LOCAL_BACKEND, "securityPolicy", "needs callers who authenticate");
    }
}
