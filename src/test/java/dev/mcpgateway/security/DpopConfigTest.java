package dev.mcpgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.config.ConfigException;
import dev.mcpgateway.config.McpRouteParser;
import dev.mcpgateway.config.McpServersParser;
import dev.mcpgateway.config.OAuthConfig;

/** {@code dpop} in both file formats: mcp-servers.json {@code auth.oauth} and MCPRoute {@code securityPolicy.oauth}. */
class DpopConfigTest {

    static OAuthConfig.Dpop json(String dpop) throws ConfigException {
        String json = """
                {"auth": {"oauth": {"issuer": "https://idp.example.com", "resource": "https://gw.example.com/mcp" %s}},
                 "mcpServers": {"a": {"url": "http://127.0.0.1:1/mcp"}}}"""
                .formatted(dpop == null ? "" : ", \"dpop\": " + dpop);
        return McpServersParser.parse("servers.json", json, Map.<String, String>of()::get).routes().get(0).security().oauth()
                .dpop();
    }

    static OAuthConfig.Dpop yaml(String dpop) throws ConfigException {
        String yaml = """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: r}
                spec:
                  parentRefs: [{name: gw}]
                  backendRefs: [{name: a, kind: Backend, group: gateway.envoyproxy.io, path: /mcp}]
                  securityPolicy:
                    oauth:
                      issuer: https://idp.example.com
                      protectedResourceMetadata: {resource: "https://gw.example.com/mcp"}
                %s
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: a}
                spec: {endpoints: [{ip: {address: 127.0.0.1, port: 1}}]}
                """.formatted(dpop == null ? "" : "      dpop: " + dpop);
        return McpRouteParser.parse("route.yaml", yaml, Map.<String, String>of()::get).routes().get(0).security().oauth()
                .dpop();
    }

    @Test
    void bothFormatsReadTheSameFields() throws Exception {
        assertThat(json(null)).isNull();
        assertThat(yaml(null)).isNull();
        OAuthConfig.Dpop defaults = new OAuthConfig.Dpop(false, OAuthConfig.Dpop.DEFAULT_ALGORITHMS, Duration.ofSeconds(60));
        assertThat(json("{}")).isEqualTo(defaults);
        assertThat(yaml("{}")).isEqualTo(defaults);
        OAuthConfig.Dpop strict = new OAuthConfig.Dpop(true, List.of("ES256", "EdDSA"), Duration.ofSeconds(30));
        assertThat(json("{\"required\": true, \"algorithms\": [\"ES256\", \"EdDSA\"], \"proofLifetime\": \"30s\"}"))
                .isEqualTo(strict);
        assertThat(yaml("{required: true, algorithms: [ES256, EdDSA], proofLifetime: 30s}")).isEqualTo(strict);
    }

    @Test
    void mistakesNameTheField() {
        assertThatThrownBy(() -> json("{\"algorithms\": [\"HS256\"]}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("oauth.dpop.algorithms").hasMessageContaining("HS256");
        assertThatThrownBy(() -> yaml("{algorithms: [none]}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("dpop.algorithms");
        assertThatThrownBy(() -> json("{\"proofLifetime\": \"2h\"}")).hasMessageContaining("proofLifetime");
        assertThatThrownBy(() -> yaml("{nonce: true}")).hasMessageContaining("nonce");
        assertThatThrownBy(() -> json("true")).hasMessageContaining("dpop");
    }
}
