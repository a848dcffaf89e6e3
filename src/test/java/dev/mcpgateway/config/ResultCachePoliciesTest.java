package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A backend's {@code cache} object, in mcp-servers.json and in an MCPRoute's {@code backendRefs[]}. */
class ResultCachePoliciesTest {

    static ResultCachePolicy json(String cache) throws ConfigException {
        String file = "{\"mcpServers\": {\"b\": {\"url\": \"http://127.0.0.1:3001/mcp\"" + (cache == null ? ""
                : ", \"cache\": "
                        + cache)
                + "}}}";
        return McpServersParser.parse("mcp-servers.json", file, Map.<String, String>of()::get).routes().get(0).backends()
                .get(0).cache();
    }

    static ResultCachePolicy yaml(String cache) throws ConfigException {
        String doc = """
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: r, namespace: default}
                spec:
                  backendRefs:
                  - name: local
                    kind: Backend
                    group: gateway.envoyproxy.io
                """ + (cache == null ? "" : "    cache: " + cache + "\n") + """
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: local, namespace: default}
                spec:
                  endpoints: [{ip: {address: 127.0.0.1, port: 3001}}]
                """;
        return McpRouteParser.parse("routes.yaml", doc, Map.<String, String>of()::get).routes().get(0).backends().get(0)
                .cache();
    }

    @Test
    void bothFormatsReadTheSamePolicy() throws Exception {
        ResultCachePolicy j = json("""
                {"ttl": "30s", "scope": "shared", "tools": ["a", "b"], "exclude": ["c"], "toolTtl": {"a": "500ms"}}""");
        ResultCachePolicy y = yaml("{ttl: 30s, scope: shared, tools: [a, b], exclude: [c], toolTtl: {a: 500ms}}");
        assertThat(j).isEqualTo(y);
        assertThat(j.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(j.scope()).isEqualTo(ResultCachePolicy.Scope.SHARED);
        assertThat(j.ttlFor("a", false)).as("named, with its own ttl").isEqualTo(Duration.ofMillis(500));
        assertThat(j.ttlFor("b", false)).as("named").isEqualTo(Duration.ofSeconds(30));
        assertThat(j.ttlFor("c", true)).as("excluded whatever its annotations").isNull();
        assertThat(j.ttlFor("d", true)).as("annotated read-only and idempotent").isEqualTo(Duration.ofSeconds(30));
        assertThat(j.ttlFor("d", false)).as("neither named nor annotated").isNull();
    }

    @Test
    void defaultsAndAbsence() throws Exception {
        assertThat(json(null)).isNull();
        assertThat(yaml(null)).isNull();
        ResultCachePolicy p = json("{}");
        assertThat(p.ttl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.scope()).isEqualTo(ResultCachePolicy.Scope.PRINCIPAL);
        assertThat(p.tools()).isEmpty();
        assertThat(yaml("{}")).isEqualTo(p);
    }

    @Test
    void mistakesNameTheFileAndField() {
        assertThatThrownBy(() -> json("{\"ttl\": \"0s\"}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("server \"b\": \"cache\".ttl").hasMessageContaining("not positive");
        assertThatThrownBy(() -> json("{\"scope\": \"everyone\"}")).hasMessageContaining("\"cache\".scope")
                .hasMessageContaining("expected principal or shared");
        assertThatThrownBy(() -> json("{\"ttls\": 3}")).hasMessageContaining("unknown field \"ttls\"");
        assertThatThrownBy(() -> json("{\"tools\": [\"a\"], \"exclude\": [\"a\"]}"))
                .hasMessageContaining("\"a\" is also in \"tools\"");
        assertThatThrownBy(() -> json("[]")).hasMessageContaining("\"cache\": expected an object");
        assertThatThrownBy(() -> yaml("{toolTtl: {a: 2d}}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("routes.yaml").hasMessageContaining("spec.backendRefs[0].cache.toolTtl.a");
        assertThatThrownBy(() -> yaml("{scope: shared, ttl: 30s, extra: 1}"))
                .hasMessageContaining("cache.extra: unknown field");
    }
}
