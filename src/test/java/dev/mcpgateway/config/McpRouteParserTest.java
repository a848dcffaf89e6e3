package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.mcpgateway.config.AuthorizationConfig.Action;

class McpRouteParserTest {

    static final Path EXAMPLE = Path.of("examples/mcp-route.yaml");

    static final String ROUTE_HEAD = """
            apiVersion: aigateway.envoyproxy.io/v1beta1
            kind: MCPRoute
            metadata: {name: r, namespace: default}
            spec:
            """;

    static final String LOCAL_BACKEND = """
            ---
            apiVersion: gateway.envoyproxy.io/v1alpha1
            kind: Backend
            metadata: {name: local, namespace: default}
            spec:
              endpoints: [{ip: {address: 127.0.0.1, port: 3001}}]
            """;

    static GatewayModel parse(String yaml) throws ConfigException {
        return parse(yaml, Map.of());
    }

    static GatewayModel parse(String yaml, Map<String, String> env) throws ConfigException {
        return McpRouteParser.parse("routes.yaml", yaml, env::get);
    }

    /** A route whose spec is {@code spec} (indented two spaces) plus the given extra documents. */
    static RouteConfig route(String spec, String... documents) throws ConfigException {
        return parse(ROUTE_HEAD + spec.indent(2) + String.join("", documents)).routes().get(0);
    }

    static String localRef(String extra) {
        return "backendRefs:\n- {name: local, kind: Backend, group: gateway.envoyproxy.io" + extra + "}\n";
    }

    static void fails(String yaml, String... fragments) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("routes.yaml: ").contains(fragments));
    }

    @Test
    void theIssueExampleMapsToOneRouteWithTwoBackends() throws Exception {
        GatewayModel model = McpRouteParser.parse(EXAMPLE, Map.<String, String>of()::get);
        assertThat(model.routes()).hasSize(1);
        RouteConfig route = model.routes().get(0);
        assertThat(route.name()).isEqualTo("mcp-route");
        assertThat(route.path()).isEqualTo("/mcp");
        assertThat(route.prefixMode()).isEqualTo(PrefixMode.ALWAYS);
        assertThat(route.backends()).extracting(BackendConfig::name).containsExactly("context7", "github");

        BackendConfig context7 = route.backend("context7");
        assertThat(context7.transport()).isEqualTo(TransportKind.STREAMABLE_HTTP);
        assertThat(context7.url()).isEqualTo("http://127.0.0.1:3001/mcp");
        assertThat(context7.headers()).isEmpty();
        assertThat(context7.tools().allowsAll()).isTrue();

        BackendConfig github = route.backend("github");
        assertThat(github.url()).isEqualTo("http://127.0.0.1:3002/mcp/readonly");
        assertThat(github.headers()).containsExactly(Map.entry("Authorization", "Bearer local-example-token"));
        assertThat(github.tools().allows("list_pull_requests")).isTrue();
        assertThat(github.tools().allows("get_pull_request")).isTrue();
        assertThat(github.tools().allows("search_issues")).isTrue();
        assertThat(github.tools().allows("create_branch")).isFalse();
        assertThat(github.tls()).isEqualTo(UpstreamTls.DEFAULT);

        OAuthConfig oauth = route.security().oauth();
        assertThat(oauth.issuer()).isEqualTo("https://auth-server.example.com");
        assertThat(oauth.audiences()).isEmpty();
        assertThat(oauth.jwks()).isNull();
        assertThat(oauth.resourceMetadata().resource()).isEqualTo("http://localhost:1975/mcp");
        assertThat(oauth.resourceMetadata().scopesSupported()).containsExactly("profile", "email");
        assertThat(route.security().authorization()).isNull();
        assertThat(route.security().apiKeyAuth()).isNull();
    }

    @Test
    void theExampleTakesPortsHostAndTokenFromTheEnvironment() throws Exception {
        Map<String, String> env = Map.of("CONTEXT7_PORT", "4101", "GITHUB_PORT", "4102", "UPSTREAM_HOST", "10.0.0.7",
                "GITHUB_ACCESS_TOKEN", "ghp_x");
        RouteConfig route = McpRouteParser.parse(EXAMPLE, env::get).routes().get(0);
        assertThat(route.backend("context7").url()).isEqualTo("http://10.0.0.7:4101/mcp");
        assertThat(route.backend("github").url()).isEqualTo("http://10.0.0.7:4102/mcp/readonly");
        assertThat(route.backend("github").headers()).containsEntry("Authorization", "Bearer ghp_x");
    }

    @Test
    void configFilesChoosesTheFormatByExtension(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("servers.json");
        Files.writeString(json, "{\"mcpServers\": {\"a\": {\"url\": \"http://127.0.0.1:1/mcp\"}}}");
        assertThat(ConfigFiles.load(json).routes().get(0).backend("a")).isNotNull();
        Path yml = dir.resolve("routes.yml");
        Files.writeString(yml, ROUTE_HEAD + localRef("").indent(2) + LOCAL_BACKEND);
        assertThat(ConfigFiles.load(yml).routes().get(0).backend("local").url()).isEqualTo("http://127.0.0.1:3001/mcp");
        assertThat(ConfigFiles.isYaml(Path.of("a/B.YAML"))).isTrue();
        assertThat(ConfigFiles.isYaml(Path.of("a/b.json"))).isFalse();
        assertThatThrownBy(() -> ConfigFiles.load(dir.resolve("missing.yaml")))
                .hasMessageContaining("missing.yaml: file not found");
    }

    @Test
    void bothApiVersionsAndSeveralRoutesOnSeveralPaths() throws Exception {
        GatewayModel model = parse("""
                apiVersion: aigateway.envoyproxy.io/v1alpha1
                kind: MCPRoute
                metadata: {name: one}
                spec:
                  backendRefs: [{name: local, kind: Backend, group: gateway.envoyproxy.io}]
                ---
                apiVersion: aigateway.envoyproxy.io/v1beta1
                kind: MCPRoute
                metadata: {name: two}
                spec:
                  path: /team/mcp
                  prefixMode: conditional
                  backendRefs: [{name: local, kind: Backend, group: gateway.envoyproxy.io, path: /other}]
                """ + LOCAL_BACKEND);
        assertThat(model.routes()).extracting(RouteConfig::name).containsExactly("one", "two");
        assertThat(model.routeForPath("/mcp").name()).isEqualTo("one");
        RouteConfig two = model.routeForPath("/team/mcp");
        assertThat(two.prefixMode()).isEqualTo(PrefixMode.CONDITIONAL);
        assertThat(two.backend("local").url()).isEqualTo("http://127.0.0.1:3001/other");
        assertThat(two.security().isNone()).isTrue();
    }

    @Test
    void otherKindsAreIgnoredAndEmptyDocumentsSkipped() throws Exception {
        GatewayModel model = parse("""
                ---
                # a comment-only document
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: aigw-run}
                spec: {gatewayClassName: aigw-run, listeners: [{name: http, protocol: HTTP, port: 1975}]}
                ---
                """ + ROUTE_HEAD + localRef("").indent(2) + LOCAL_BACKEND);
        assertThat(model.routes()).hasSize(1);
    }

    @Test
    void toolSelectorExcludeWinsAndRegexesMatchAnywhere() throws Exception {
        RouteConfig r = route(localRef(", toolSelector: {include: [echo, add], includeRegex: ['^get-'],"
                + " exclude: [add], excludeRegex: [env]}"), LOCAL_BACKEND);
        ToolFilter f = r.backend("local").tools();
        assertThat(f.allows("echo")).isTrue();
        assertThat(f.allows("get-sum")).isTrue();
        assertThat(f.allows("add")).as("exclude wins over include").isFalse();
        assertThat(f.allows("get-env")).as("excludeRegex finds 'env' inside the name").isFalse();
        assertThat(f.allows("say-get-x")).as("^ still anchors").isFalse();
        assertThat(f.allows("other")).isFalse();

        ToolFilter onlyExclude = route(localRef(", toolSelector: {exclude: [rm]}"), LOCAL_BACKEND).backend("local").tools();
        assertThat(onlyExclude.allows("ls")).isTrue();
        assertThat(onlyExclude.allows("rm")).isFalse();
    }

    @Test
    void apiKeyGoesIntoAHeaderOrTheQuery() throws Exception {
        BackendConfig bearer = route(localRef(", securityPolicy: {apiKey: {inline: k1}}"), LOCAL_BACKEND).backend("local");
        assertThat(bearer.headers()).containsExactly(Map.entry("Authorization", "Bearer k1"));

        BackendConfig header = route(localRef(", securityPolicy: {apiKey: {inline: k2, header: X-Api-Key}}"), LOCAL_BACKEND)
                .backend("local");
        assertThat(header.headers()).containsExactly(Map.entry("X-Api-Key", "k2"));

        BackendConfig query = route(localRef(", path: /mcp, securityPolicy: {apiKey: {inline: 'a b&c', queryParam: api_key}}"),
                LOCAL_BACKEND).backend("local");
        assertThat(query.headers()).isEmpty();
        assertThat(query.url()).isEqualTo("http://127.0.0.1:3001/mcp?api_key=a+b%26c");

        fails(ROUTE_HEAD + localRef(", securityPolicy: {apiKey: {inline: k, secretRef: {name: s}}}").indent(2) + LOCAL_BACKEND,
                "document 1 (MCPRoute default/r, line 1): spec.backendRefs[0].securityPolicy.apiKey:",
                "exactly one of secretRef and inline");
        fails(ROUTE_HEAD + localRef(", securityPolicy: {apiKey: {inline: k, header: A, queryParam: b}}").indent(2)
                + LOCAL_BACKEND, "spec.backendRefs[0].securityPolicy.apiKey: expected at most one of header and queryParam");
    }

    @Test
    void secretRefsResolveFromDocumentsAnnotationsFilesAndEnvironment(@TempDir Path dir) throws Exception {
        String spec = localRef(", securityPolicy: {apiKey: {secretRef: {name: github-access-token}}}");
        String encoded = Base64.getEncoder().encodeToString("from-data".getBytes(StandardCharsets.UTF_8));
        String dataSecret = """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: github-access-token}
                data: {apiKey: %s}
                """.formatted(encoded);
        assertThat(route(spec, LOCAL_BACKEND, dataSecret).backend("local").headers())
                .containsEntry("Authorization", "Bearer from-data");

        // aigw's convention: the annotation names the variable whose value replaces the key.
        String annotated = """
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: github-access-token
                  annotations: {substitution.aigw.run/env/apiKey: GITHUB_ACCESS_TOKEN}
                stringData: {apiKey: GITHUB_ACCESS_TOKEN}
                """;
        String yaml = ROUTE_HEAD + spec.indent(2) + LOCAL_BACKEND + annotated;
        assertThat(parse(yaml, Map.of("GITHUB_ACCESS_TOKEN", "ghp_env")).routes().get(0).backend("local").headers())
                .containsEntry("Authorization", "Bearer ghp_env");
        assertThatThrownBy(() -> parse(yaml)).hasMessageContaining(
                "metadata.annotations[\"substitution.aigw.run/env/apiKey\"]: environment variable GITHUB_ACCESS_TOKEN is not set");

        // No Secret document: a mounted Secret directory, then an environment variable.
        Files.createDirectories(dir.resolve("github-access-token"));
        Files.writeString(dir.resolve("github-access-token/apiKey"), "from-file\n");
        String noSecret = ROUTE_HEAD + spec.indent(2) + LOCAL_BACKEND;
        assertThat(parse(noSecret, Map.of("MCP_GATEWAY_SECRETS_DIR", dir.toString(), "GITHUB_ACCESS_TOKEN", "ignored"))
                .routes().get(0).backend("local").headers()).containsEntry("Authorization", "Bearer from-file");
        assertThat(parse(noSecret, Map.of("GITHUB_ACCESS_TOKEN", "from-env")).routes().get(0).backend("local").headers())
                .containsEntry("Authorization", "Bearer from-env");
        fails(noSecret, "spec.backendRefs[0].securityPolicy.apiKey.secretRef: Secret \"github-access-token\" not found",
                "set GITHUB_ACCESS_TOKEN", "$MCP_GATEWAY_SECRETS_DIR/github-access-token/apiKey");

        String wrongKey = """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: github-access-token}
                stringData: {token: x}
                """;
        fails(noSecret + wrongKey, "has no key \"apiKey\" (keys: token)");
    }

    @Test
    void backendEndpointsAndTls() throws Exception {
        String refs = """
                backendRefs:
                - {name: plain, kind: Backend, group: gateway.envoyproxy.io}
                - {name: v6, kind: Backend, group: gateway.envoyproxy.io, path: /}
                - {name: public, kind: Backend, group: gateway.envoyproxy.io}
                - {name: pinned, kind: Backend, group: gateway.envoyproxy.io}
                - {name: lab, kind: Backend, group: gateway.envoyproxy.io}
                - {name: svc, port: 8080}
                """;
        String docs = """
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: plain}
                spec: {endpoints: [{fqdn: {hostname: mcp.internal, port: 8080}}]}
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: v6}
                spec: {endpoints: [{ip: {address: "::1", port: 9000}}]}
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: public}
                spec: {endpoints: [{fqdn: {hostname: mcp.example.com, port: 443}}]}
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: pinned}
                spec: {endpoints: [{ip: {address: 192.0.2.10, port: 8443}}]}
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha3
                kind: BackendTLSPolicy
                metadata: {name: pinned-tls}
                spec:
                  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: pinned}]
                  validation:
                    hostname: pinned.example.com
                    caCertificateRefs: [{group: "", kind: ConfigMap, name: pinned-ca}]
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: pinned-ca}
                data:
                  ca.crt: |
                    -----BEGIN CERTIFICATE-----
                    MIIB
                    -----END CERTIFICATE-----
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: lab}
                spec:
                  endpoints: [{fqdn: {hostname: lab.test, port: 8443}}]
                  tls: {insecureSkipVerify: true}
                """;
        RouteConfig r = route(refs, docs);
        assertThat(r.backend("plain").url()).isEqualTo("http://mcp.internal:8080/mcp");
        assertThat(r.backend("v6").url()).isEqualTo("http://[::1]:9000/");
        assertThat(r.backend("public").url()).isEqualTo("https://mcp.example.com:443/mcp");
        assertThat(r.backend("public").tls()).isEqualTo(UpstreamTls.DEFAULT);
        BackendConfig pinned = r.backend("pinned");
        assertThat(pinned.url()).isEqualTo("https://192.0.2.10:8443/mcp");
        assertThat(pinned.tls().serverName()).isEqualTo("pinned.example.com");
        assertThat(pinned.tls().caCertificates()).singleElement().asString().contains("BEGIN CERTIFICATE");
        assertThat(r.backend("lab").url()).isEqualTo("https://lab.test:8443/mcp");
        assertThat(r.backend("lab").tls().insecureSkipVerify()).isTrue();
        assertThat(r.backend("svc").url()).isEqualTo("http://svc.default.svc:8080/mcp");
        // No namespace anywhere: the Service next to the gateway.
        assertThat(parse(ROUTE_HEAD.replace(", namespace: default", "") + "  backendRefs: [{name: svc, port: 8080}]\n")
                .routes().get(0).backend("svc").url()).isEqualTo("http://svc:8080/mcp");
        assertThat(parse(
                ROUTE_HEAD.replace(", namespace: default", "") + "  backendRefs: [{name: svc, namespace: tools, port: 80}]\n")
                .routes().get(0).backend("svc").url()).isEqualTo("http://svc.tools.svc:80/mcp");
    }

    @Test
    void backendProblemsNameTheDocumentAndField() {
        fails(ROUTE_HEAD + localRef("").indent(2), "spec.backendRefs[0].name: no Backend named \"local\"");
        fails(ROUTE_HEAD + "  backendRefs: [{name: svc}]\n", "spec.backendRefs[0].port: required for a Service reference");
        fails(ROUTE_HEAD + "  backendRefs: [{name: x, kind: Backend}]\n",
                "spec.backendRefs[0].group: expected gateway.envoyproxy.io for kind Backend");
        fails(ROUTE_HEAD + "  backendRefs: [{name: x, kind: HTTPRoute}]\n",
                "spec.backendRefs[0].kind: expected Backend (group gateway.envoyproxy.io) or Service, got \"HTTPRoute\"");
        String twoEndpoints = """
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: local}
                spec: {endpoints: [{ip: {address: 127.0.0.1, port: 1}}, {ip: {address: 127.0.0.2, port: 1}}]}
                """;
        fails(ROUTE_HEAD + localRef("").indent(2) + twoEndpoints,
                "document 2 (Backend local, line 8): spec.endpoints: expected one endpoint");
        String unix = """
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: local}
                spec: {endpoints: [{unix: {path: /tmp/s}}]}
                """;
        fails(ROUTE_HEAD + localRef("").indent(2) + unix, "spec.endpoints[0].unix: Unix socket endpoints are not supported");
        String badPort = """
                ---
                apiVersion: gateway.envoyproxy.io/v1alpha1
                kind: Backend
                metadata: {name: local}
                spec: {endpoints: [{fqdn: {hostname: h, port: "${P:-http}"}}]}
                """;
        fails(ROUTE_HEAD + localRef("").indent(2) + badPort,
                "spec.endpoints[0].fqdn.port: expected a port number 1-65535, got \"http\"");
        fails(ROUTE_HEAD + localRef("").indent(2) + LOCAL_BACKEND.replace("gateway.envoyproxy.io/v1alpha1", "v1"),
                "document 2 (Backend default/local, line 8): apiVersion: expected gateway.envoyproxy.io/v1alpha1 for kind Backend");
    }

    @Test
    void routeProblemsNameTheDocumentAndField() {
        fails("apiVersion: aigateway.envoyproxy.io/v2\nkind: MCPRoute\nmetadata: {name: r}\nspec: {}\n",
                "document 1 (MCPRoute r, line 1): apiVersion: expected aigateway.envoyproxy.io/v1alpha1 or"
                        + " aigateway.envoyproxy.io/v1beta1 for kind MCPRoute, got \"aigateway.envoyproxy.io/v2\"");
        fails(ROUTE_HEAD + "  path: /mcp\n", "spec.backendRefs: expected a non-empty list of backends");
        fails(ROUTE_HEAD + "  path: mcp\n" + localRef("").indent(2) + LOCAL_BACKEND,
                "spec.path: expected a path starting with /, got \"mcp\"");
        fails(ROUTE_HEAD + localRef(", toolSelecter: {include: [a]}").indent(2) + LOCAL_BACKEND,
                "spec.backendRefs[0].toolSelecter: unknown field; expected one of name, namespace, kind");
        fails(ROUTE_HEAD + localRef(", toolSelector: {includeRegex: ['(']}").indent(2) + LOCAL_BACKEND,
                "spec.backendRefs[0].toolSelector.includeRegex[0]: invalid regular expression \"(\"");
        fails(ROUTE_HEAD + "  prefixMode: sometimes\n" + localRef("").indent(2) + LOCAL_BACKEND,
                "spec.prefixMode: expected one of always, conditional, never; got \"sometimes\"");
        fails(ROUTE_HEAD + "  hostnames: [a.example.com]\n" + localRef("").indent(2) + LOCAL_BACKEND,
                "spec.hostnames: not supported by this gateway");
        fails(ROUTE_HEAD + "  backendRefs:\n  - {name: local, kind: Backend, group: gateway.envoyproxy.io}\n"
                + "  - {name: local, kind: Backend, group: gateway.envoyproxy.io, path: /x}\n" + LOCAL_BACKEND,
                "spec.backendRefs[1].name: \"local\" appears twice");
        fails(ROUTE_HEAD + "  backendRefs: [{name: a__b, port: 1}]\n", "spec.backendRefs[0].name: \"a__b\" must match");
        fails(ROUTE_HEAD + localRef(", path: '${UNSET_PATH}'").indent(2) + LOCAL_BACKEND,
                "spec.backendRefs[0].path: environment variable UNSET_PATH is not set");
        fails(ROUTE_HEAD + localRef("").indent(2) + LOCAL_BACKEND + "---\n" + ROUTE_HEAD.replace("name: r", "name: s")
                + localRef("").indent(2),
                "document 3 (MCPRoute default/s, line 14): spec.path: \"/mcp\" is already served by"
                        + " document 1 (MCPRoute default/r, line 1)");
        fails(LOCAL_BACKEND, "routes.yaml: no MCPRoute document");
        fails(ROUTE_HEAD + "  backendRefs: [a\n", "routes.yaml: invalid YAML at line");
        fails("- just\n- a list\n", "document 1 (line 1): expected a Kubernetes object");
    }

    @Test
    void forwardHeaders() throws Exception {
        BackendConfig b = route(
                localRef(", forwardHeaders: [{name: X-User-Token, backendHeader: X-Upstream-Token}, {name: X-Tenant}]"),
                LOCAL_BACKEND).backend("local");
        assertThat(b.forwardHeaders()).containsExactly(new ForwardHeader("X-User-Token", "X-Upstream-Token"),
                new ForwardHeader("X-Tenant", "X-Tenant"));
        fails(ROUTE_HEAD + localRef(", forwardHeaders: [{name: 'bad header'}]").indent(2) + LOCAL_BACKEND,
                "spec.backendRefs[0].forwardHeaders[0]: not a valid header name");
    }

    @Test
    void oauthWithRemoteOrLocalKeys() throws Exception {
        String remote = localRef("") + """
                securityPolicy:
                  oauth:
                    issuer: https://idp.example.com/realms/mcp
                    audiences: [mcp-gateway]
                    jwks: {remoteJWKS: {uri: https://idp.example.com/realms/mcp/protocol/openid-connect/certs}}
                    protectedResourceMetadata:
                      resource: https://gw.example.com/mcp
                      resourceName: Gateway
                      scopesSupported: [mcp:tools]
                      resourceSigningAlgValuesSupported: [RS256]
                      resourceDocumentation: https://gw.example.com/docs
                    claimToHeaders: [{claim: sub, header: X-User}]
                """;
        OAuthConfig o = route(remote, LOCAL_BACKEND).security().oauth();
        assertThat(o.audiences()).containsExactly("mcp-gateway");
        assertThat(o.jwks().remoteUri()).endsWith("/certs");
        assertThat(o.jwks().localJson()).isNull();
        assertThat(o.resourceMetadata().resourceName()).isEqualTo("Gateway");
        assertThat(o.resourceMetadata().resourceSigningAlgValuesSupported()).containsExactly("RS256");
        assertThat(o.resourceMetadata().resourceDocumentation()).isEqualTo("https://gw.example.com/docs");
        assertThat(o.resourceMetadata().resourcePolicyUri()).isNull();
        assertThat(o.claimToHeaders()).containsExactly(new OAuthConfig.ClaimToHeader("sub", "X-User"));

        String local = localRef("") + """
                securityPolicy:
                  oauth:
                    issuer: https://idp.example.com
                    jwks: {localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: keys}}}
                    protectedResourceMetadata: {resource: https://gw.example.com/mcp}
                """;
        String configMap = """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: keys}
                data: {jwks: '{"keys": []}'}
                """;
        assertThat(route(local, LOCAL_BACKEND, configMap).security().oauth().jwks().localJson()).isEqualTo("{\"keys\": []}");

        fails(ROUTE_HEAD + local.replace("jwks: {localJWKS", "jwks: {remoteJWKS: {uri: https://x.example}, localJWKS")
                .indent(2) + LOCAL_BACKEND + configMap,
                "spec.securityPolicy.oauth.jwks: expected exactly one of remoteJWKS and localJWKS");
        fails(ROUTE_HEAD + local.indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.oauth.jwks.localJWKS.valueRef: no ConfigMap named \"keys\"");
        fails(ROUTE_HEAD + remote.replace("issuer: https://idp.example.com/realms/mcp", "issuer: idp").indent(2)
                + LOCAL_BACKEND,
                "spec.securityPolicy.oauth.issuer: expected an http:// or https:// URL, got \"idp\"");
        fails(ROUTE_HEAD + (localRef("") + "securityPolicy: {oauth: {issuer: https://i.example}}\n").indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.oauth.protectedResourceMetadata: required");
        fails(ROUTE_HEAD + (localRef("") + "securityPolicy: {extAuth: {http: {}}}\n").indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.extAuth: external authorization is not supported");
    }

    static final String OAUTH = """
            securityPolicy:
              oauth:
                issuer: https://idp.example.com
                protectedResourceMetadata: {resource: https://gw.example.com/mcp}
            """;

    @Test
    void authorizationRulesParseAndDecide() throws Exception {
        String spec = localRef("") + OAUTH + """
                  authorization:
                    rules:
                    - source: {jwt: {scopes: [echo]}}
                      target: {tools: [{backend: local, tool: echo}]}
                    - source:
                        jwt:
                          scopes: [sum]
                          claims:
                          - {name: tenant, values: [acme, globex]}
                          - {name: org.departments, valueType: StringArray, values: [engineering]}
                      target: {tools: [{backend: local, tool: sum}]}
                    - target: {tools: [{backend: local, tool: countdown}]}
                    - target: {tools: [{backend: local, tool: rm}]}
                      action: Deny
                    - source: {jwt: {scopes: [all-access]}}
                """;
        AuthorizationConfig a = route(spec, LOCAL_BACKEND).security().authorization();
        assertThat(a.defaultAction()).isEqualTo(Action.DENY);
        assertThat(a.rules()).hasSize(5);
        assertThat(a.rules().get(1).source().claims().get(1).valueType()).isEqualTo(AuthorizationConfig.ClaimType.STRING_ARRAY);

        Map<String, Object> noClaims = Map.of();
        assertThat(a.evaluate(Set.of("echo"), noClaims, "local", "echo").allowed()).isTrue();
        var denied = a.evaluate(Set.of(), noClaims, "local", "echo");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.challengeScopes()).containsExactly("echo");
        assertThat(a.evaluate(Set.of(), noClaims, "local", "countdown").allowed()).as("no source: anyone").isTrue();
        assertThat(a.evaluate(Set.of("all-access"), noClaims, "local", "rm").allowed()).as("Deny rule first").isFalse();
        assertThat(a.evaluate(Set.of("all-access"), noClaims, "local", "anything").allowed()).isTrue();

        Map<String, Object> acme = new HashMap<>();
        acme.put("tenant", "acme");
        acme.put("org", Map.of("departments", List.of("sales", "engineering")));
        assertThat(a.evaluate(Set.of("sum"), acme, "local", "sum").allowed()).isTrue();
        acme.put("tenant", "initech");
        assertThat(a.evaluate(Set.of("sum"), acme, "local", "sum").allowed()).isFalse();

        String withDefault = localRef("") + OAUTH + "  authorization: {defaultAction: Allow}\n";
        assertThat(route(withDefault, LOCAL_BACKEND).security().authorization()
                .evaluate(Set.of(), noClaims, "local", "x").allowed()).isTrue();
    }

    @Test
    void authorizationProblems() {
        fails(ROUTE_HEAD + (localRef("") + "securityPolicy: {authorization: {rules: [{source: {jwt: {scopes: [a]}}}]}}\n")
                .indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.authorization.rules[0].source.jwt: needs securityPolicy.oauth");
        fails(ROUTE_HEAD + (localRef("") + OAUTH + "  authorization: {rules: [{cel: 'true'}]}\n").indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.authorization.rules[0].cel: CEL expressions are not supported");
        fails(ROUTE_HEAD
                + (localRef("") + OAUTH + "  authorization: {rules: [{target: {tools: [{backend: nope, tool: t}]}}]}\n")
                        .indent(2)
                + LOCAL_BACKEND,
                "spec.securityPolicy.authorization.rules[0].target.tools[0].backend: no backend \"nope\" in this route");
        fails(ROUTE_HEAD + (localRef("") + OAUTH
                + "  authorization: {rules: [{source: {jwt: {claims: [{name: scope, values: [a]}]}}}]}\n")
                .indent(2) + LOCAL_BACKEND, "claims[0].name: \"scope\" is reserved");
        fails(ROUTE_HEAD + (localRef("") + OAUTH + "  authorization: {defaultAction: Maybe}\n").indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.authorization.defaultAction: expected Allow or Deny, got \"Maybe\"");
    }

    @Test
    void clientApiKeys() throws Exception {
        String spec = localRef("") + """
                securityPolicy:
                  apiKeyAuth:
                    credentialRefs: [{name: clients}]
                    extractFrom: [{headers: [X-API-KEY]}, {params: [key]}]
                    forwardClientIDHeader: X-Client
                    sanitize: true
                """;
        String secret = """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: clients}
                stringData: {alice: k-alice, bob: k-bob}
                """;
        ApiKeyAuthConfig keys = route(spec, LOCAL_BACKEND, secret).security().apiKeyAuth();
        assertThat(keys.clientKeys()).containsOnly(Map.entry("alice", "k-alice"), Map.entry("bob", "k-bob"));
        assertThat(keys.headers()).containsExactly("X-API-KEY");
        assertThat(keys.queryParams()).containsExactly("key");
        assertThat(keys.forwardClientIdHeader()).isEqualTo("X-Client");
        assertThat(keys.sanitize()).isTrue();
        fails(ROUTE_HEAD + spec.indent(2) + LOCAL_BACKEND,
                "spec.securityPolicy.apiKeyAuth.credentialRefs[0]: Secret \"clients\" not found");
    }

    @Test
    void mountedSecretDirectoriesSkipKubernetesBookkeeping(@TempDir Path dir) throws Exception {
        Path clients = Files.createDirectories(dir.resolve("clients"));
        Files.writeString(clients.resolve("alice"), "k-alice");
        Files.createDirectories(clients.resolve("..2026_01_01_00_00_00.000"));
        Files.writeString(clients.resolve("..data"), "x");
        String spec = localRef("")
                + "securityPolicy: {apiKeyAuth: {credentialRefs: [{name: clients}], extractFrom: [{headers: [X-Key]}]}}\n";
        ApiKeyAuthConfig keys = parse(ROUTE_HEAD + spec.indent(2) + LOCAL_BACKEND,
                Map.of("MCP_GATEWAY_SECRETS_DIR", dir.toString()))
                .routes().get(0).security().apiKeyAuth();
        assertThat(keys.clientKeys()).containsOnly(Map.entry("alice", "k-alice"));
    }

    @Test
    void envNamesOfSecrets() {
        assertThat(McpRouteParser.envName("github-access-token")).isEqualTo("GITHUB_ACCESS_TOKEN");
        assertThat(McpRouteParser.envName("ca.crt")).isEqualTo("CA_CRT");
    }
}
