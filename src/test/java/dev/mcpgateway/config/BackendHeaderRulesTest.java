package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Defect 2: {@code forwardHeaders} accepted framing and session headers, so a client could set the
 * framing or the MCP session of the gateway's own requests to a backend. Both formats refuse them
 * at load, naming the file, the backend and the header.
 */
class BackendHeaderRulesTest {

    static GatewayModel json(String servers) throws ConfigException {
        return McpServersParser.parse("servers.json", "{\"mcpServers\": {" + servers + "}}", Map.<String, String>of()::get);
    }

    static GatewayModel yaml(String ref) throws ConfigException {
        return McpRouteParser.parse("routes.yaml", McpRouteParserTest.ROUTE_HEAD
                + McpRouteParserTest.localRef(ref).indent(2) + McpRouteParserTest.LOCAL_BACKEND, Map.<String, String>of()::get);
    }

    static void jsonRefuses(String servers, String... fragments) {
        assertThatThrownBy(() -> json(servers)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("servers.json: ").contains(fragments));
    }

    static void yamlRefuses(String ref, String... fragments) {
        assertThatThrownBy(() -> yaml(ref)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("routes.yaml: ").contains(fragments));
    }

    @Test
    void mcpServersForwardHeadersRefuseSessionProtocolAndFramingHeaders() {
        for (String header : new String[]{"Mcp-Session-Id", "mcp-protocol-version", "MCP-METHOD", "Mcp-Name",
                "Last-Event-ID", "Accept", "Content-Type", "Authorization", "Connection", "Keep-Alive",
                "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "TE", "Trailer", "transfer-encoding",
                "Upgrade", "Content-Length", "host"}) {
            jsonRefuses("\"gh\": {\"url\": \"http://h/mcp\", \"forwardHeaders\": [\"X-Tenant\", \"" + header + "\"]}",
                    "server \"gh\"", "\"forwardHeaders\"[1]", "\"" + header + "\"");
        }
    }

    @Test
    void authorizationIsForwardedOnlyToAPassthroughBackend() throws Exception {
        BackendConfig b = json("""
                "gh": {"url": "http://h/mcp", "forwardHeaders": ["authorization"], "auth": {"type": "passthrough"}}""")
                .routes().get(0).backend("gh");
        assertThat(b.forwardHeaders()).containsExactly(new ForwardHeader("authorization", "authorization"));
        jsonRefuses("""
                "gh": {"url": "http://h/mcp", "forwardHeaders": ["Authorization"],
                       "auth": {"type": "client_credentials", "tokenEndpoint": "https://idp/token", "clientId": "gw"}}""",
                "server \"gh\"", "\"Authorization\"", "passthrough");
        // Still refused with passthrough: the gateway's own headers.
        jsonRefuses("""
                "gh": {"url": "http://h/mcp", "forwardHeaders": ["Mcp-Session-Id"], "auth": {"type": "passthrough"}}""",
                "\"Mcp-Session-Id\"");
    }

    @Test
    void mcpServersStaticHeadersRefuseFramingButKeepCredentials() throws Exception {
        for (String header : new String[]{"Host", "content-length", "Transfer-Encoding", "Connection", "Upgrade", "TE",
                "Mcp-Session-Id"}) {
            jsonRefuses("\"gh\": {\"url\": \"http://h/mcp\", \"headers\": {\"" + header + "\": \"x\"}}", "server \"gh\"",
                    "\"headers\"", "\"" + header + "\"");
        }
        BackendConfig b = json("\"gh\": {\"url\": \"http://h/mcp\", \"headers\": {\"Authorization\": \"Bearer t\"}}")
                .routes().get(0).backend("gh");
        assertThat(b.headers()).containsEntry("Authorization", "Bearer t");
        jsonRefuses("\"gh\": {\"url\": \"http://h/mcp\", \"headers\": {\"bad header\": \"x\"}}", "not a valid header name");
    }

    @Test
    void mcpRouteForwardHeadersRefuseThemByEitherName() throws Exception {
        yamlRefuses(", forwardHeaders: [{name: X-Session, backendHeader: mcp-session-id}]",
                "spec.backendRefs[0].forwardHeaders[0]", "backend \"local\"", "\"mcp-session-id\"");
        yamlRefuses(", forwardHeaders: [{name: Transfer-Encoding, backendHeader: X-Te}]",
                "spec.backendRefs[0].forwardHeaders[0]", "backend \"local\"", "\"Transfer-Encoding\"");
        yamlRefuses(", forwardHeaders: [{name: X-Tenant}, {name: Host}]", "spec.backendRefs[0].forwardHeaders[1]", "\"Host\"");
        // An MCPRoute cannot say passthrough, so the client never sets a backend's Authorization.
        yamlRefuses(", forwardHeaders: [{name: X-User-Token, backendHeader: Authorization}]", "backend \"local\"",
                "\"Authorization\"");
        assertThat(yaml(", forwardHeaders: [{name: X-Tenant, backendHeader: X-Upstream-Tenant}]").routes().get(0)
                .backend("local").forwardHeaders()).containsExactly(new ForwardHeader("X-Tenant", "X-Upstream-Tenant"));
    }

    @Test
    void mcpRouteApiKeyHeaderMayNotBeAFramingHeader() throws Exception {
        yamlRefuses(", securityPolicy: {apiKey: {inline: k, header: Host}}", "spec.backendRefs[0].securityPolicy.apiKey.header",
                "backend \"local\"", "\"Host\"");
        assertThat(yaml(", securityPolicy: {apiKey: {inline: k, header: Authorization}}").routes().get(0).backend("local")
                .headers()).containsEntry("Authorization", "Bearer k");
    }

    @Test
    void theSetsAreCaseInsensitiveConstants() {
        assertThat(HeaderRules.HOP_BY_HOP).contains("connection", "CONTENT-LENGTH", "Host", "te", "proxy-connection");
        assertThat(HeaderRules.GATEWAY_OWNED).contains("mcp-session-id", "LAST-EVENT-ID", "authorization", "mcp-name");
        assertThat(HeaderRules.HOP_BY_HOP).doesNotContain("X-Tenant", "Authorization");
        assertThat(HeaderRules.GATEWAY_OWNED).doesNotContain("X-Tenant", "Host");
    }
}
