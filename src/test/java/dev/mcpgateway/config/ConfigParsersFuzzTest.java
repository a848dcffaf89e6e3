package dev.mcpgateway.config;

import static dev.mcpgateway.testing.Fuzz.concat;
import static dev.mcpgateway.testing.Fuzz.forAll;
import static dev.mcpgateway.testing.Fuzz.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.mcpgateway.testing.Fuzz.Gen;

/**
 * Property-based fuzzing of both config parsers: every document, however broken, either gives a
 * model or a {@link ConfigException} naming the file; never a NullPointerException, a
 * ClassCastException or any other exception. Documents are mostly mutations of valid ones (wrong
 * types, missing and unknown fields, odd strings), so the fuzzing reaches deep into the parsers.
 */
class ConfigParsersFuzzTest {

    static final ObjectMapper JSON_MAPPER = new ObjectMapper();
    static final YAMLMapper YAML_MAPPER = new YAMLMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final Function<String, String> ENV = Map.of("SET", "value", "PORT", "3001", "EMPTY", "", "URL",
            "http://127.0.0.1:3001/mcp")::get;

    static final String SERVERS_SEED = """
            {"path": "/mcp", "prefixMode": "conditional",
             "mcpServers": {
               "everything": {"command": "npx", "args": ["-y", "server-everything", "stdio"], "env": {"A": "1"},
                              "cwd": "/tmp", "timeout": 30, "tools": ["echo"], "excludeTools": ["x"]},
               "http": {"type": "http", "url": "${URL:-http://127.0.0.1:3001/mcp}", "headers": {"X-A": "b"},
                        "forwardHeaders": ["X-Tenant"], "includeToolsRegex": ["^get"], "excludeToolsRegex": ["env$"],
                        "timeout": "500ms",
                        "auth": {"type": "client_credentials", "tokenEndpoint": "https://idp.example.com/token",
                                 "clientId": "gw", "clientSecret": "s", "scopes": ["a"], "audience": "x"}},
               "legacy": {"type": "sse", "url": "https://example.com/sse", "disabled": false, "timeout": "2m",
                          "auth": {"type": "passthrough"}}
             },
             "auth": {
               "oauth": {"issuer": "https://idp.example.com", "resource": "https://gw.example.com/mcp",
                         "audiences": ["gw"], "jwksUri": "https://idp.example.com/jwks", "scopesSupported": ["mcp"],
                         "requiredScopes": ["mcp"], "signingAlgorithms": ["RS256"],
                         "introspection": {"endpoint": "https://idp.example.com/introspect", "clientId": "c", "clientSecret": "s"},
                         "claimToHeaders": [{"claim": "sub", "header": "X-Sub"}]},
               "apiKeys": {"keys": {"ci": "0123456789abcdef0123"}, "headers": ["X-Api-Key"], "queryParams": ["key"],
                           "forwardClientIdHeader": "X-Client"},
               "authorization": {"defaultAction": "deny", "rules": [
                 {"name": "r1", "scopes": ["mcp"], "claims": {"org": "acme", "groups": ["a", "b"]},
                  "tools": ["http__echo", {"backend": "everything", "name": "*"}], "prompts": ["*__*"],
                  "resources": [{"backend": "http", "tool": "x"}], "action": "allow"},
                 {"cel": "tool == 'x' && size(scopes) > 0", "action": "deny"}]}
             }}""";

    static final String ROUTE_SEED = """
            apiVersion: aigateway.envoyproxy.io/v1alpha1
            kind: MCPRoute
            metadata: {name: mcp-route, namespace: default}
            spec:
              parentRefs: [{name: aigw-run, kind: Gateway, group: gateway.networking.k8s.io}]
              path: /mcp
              prefixMode: always
              backendRefs:
              - {name: context7, kind: Backend, group: gateway.envoyproxy.io, path: "/mcp", forwardHeaders: [{name: X-Tenant, backendHeader: X-Org}]}
              - name: github
                kind: Backend
                group: gateway.envoyproxy.io
                path: "/mcp/readonly"
                toolSelector: {includeRegex: [".*_issues?.*"], exclude: [delete]}
                securityPolicy: {apiKey: {secretRef: {name: github-access-token}, header: X-Key}}
              - {name: svc, kind: Service, port: 8080}
              securityPolicy:
                oauth:
                  issuer: "https://auth-server.example.com"
                  audiences: [gw]
                  jwks: {remoteJWKS: {uri: "https://auth-server.example.com/jwks"}}
                  protectedResourceMetadata: {resource: "http://localhost:1975/mcp", scopesSupported: ["profile"]}
                  claimToHeaders: [{claim: sub, header: X-Sub}]
                authorization:
                  defaultAction: Deny
                  rules:
                  - source: {jwt: {scopes: [profile], claims: [{name: org, valueType: String, values: [acme]}]}}
                    target: {tools: [{backend: github, tool: list_issues}]}
                    action: Allow
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: github-access-token, namespace: default}
            type: Opaque
            stringData:
              apiKey: "${GITHUB_ACCESS_TOKEN:-local-example-token}"
            ---
            apiVersion: gateway.envoyproxy.io/v1alpha1
            kind: Backend
            metadata: {name: context7, namespace: default}
            spec:
              endpoints:
              - ip: {address: "127.0.0.1", port: "${PORT:-3001}"}
            ---
            apiVersion: gateway.envoyproxy.io/v1alpha1
            kind: Backend
            metadata: {name: github, namespace: default}
            spec:
              endpoints:
              - fqdn: {hostname: api.example.com, port: 443}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata: {name: github-tls, namespace: default}
            spec:
              targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: github}]
              validation: {wellKnownCACertificates: System, hostname: api.example.com}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ca, namespace: default}
            data: {ca.crt: "not a certificate"}
            """;

    /** Field names either parser reads, so mutations add fields the parser will look at. */
    static final List<String> FIELD_NAMES = List.of("mcpServers", "path", "prefixMode", "auth", "url", "command", "type",
            "transport", "args", "env", "cwd", "headers", "timeout", "tools", "includeTools", "allowedTools", "excludeTools",
            "includeToolsRegex", "excludeToolsRegex", "forwardHeaders", "toolOverrides", "description", "title",
            "readOnlyHint", "disabled", "oauth", "apiKeys", "authorization",
            "issuer", "resource", "audiences", "jwksUri", "jwks", "jwksFile", "keys", "file", "rules", "cel", "action",
            "claims", "scopes", "introspection", "claimToHeaders", "tokenEndpoint", "clientId", "apiVersion", "kind",
            "metadata", "name", "namespace", "spec", "backendRefs", "endpoints", "ip", "fqdn", "unix", "address",
            "hostname", "port", "group", "toolSelector", "include", "exclude", "includeRegex", "excludeRegex",
            "securityPolicy", "apiKey", "secretRef", "inline", "header", "queryParam", "stringData", "data",
            "annotations", "tls", "caCertificateRefs", "validation", "targetRefs", "jwt", "source", "target",
            "valueType", "values", "localJWKS", "remoteJWKS", "valueRef", "extractFrom", "credentialRefs",
            "protectedResourceMetadata", "apiKeyAuth", "insecureSkipVerify", "sni", "wellKnownCACertificates", "");

    /** Scalars that are wrong in interesting ways. */
    static final List<JsonNode> ODD_VALUES = List.of(F.nullNode(), F.booleanNode(true), F.booleanNode(false),
            F.numberNode(0), F.numberNode(-1), F.numberNode(65536), F.numberNode(1.5), F.numberNode(1e308),
            F.numberNode(new java.math.BigInteger("99999999999999999999999")), F.textNode(""), F.textNode(" "),
            F.textNode("\u0000"), F.textNode("${UNSET}"), F.textNode("${SET}"), F.textNode("${EMPTY}"),
            F.textNode("${UNSET:-http://127.0.0.1:1/mcp}"), F.textNode("${"), F.textNode("$${SET}"), F.textNode("${:-}"),
            F.textNode("http://"), F.textNode("https://h:99999/x"), F.textNode("http://[::1"), F.textNode("/"),
            F.textNode("/nonexistent/file"), F.textNode("x__y"), F.textNode("__"), F.textNode("("), F.textNode("[a-"),
            F.textNode("*"), F.textNode("a".repeat(2000)), F.textNode("9223372036854775807h"), F.textNode("-1s"),
            F.textNode("PT-1S"), F.textNode("PT9223372036854775807S"), F.textNode("0.0001"), F.textNode("P"), F.textNode("ms"),
            F.textNode("1e400"), F.textNode("NaN"),
            F.textNode("Backend"), F.textNode("Service"), F.textNode("Secret"), F.textNode("ConfigMap"),
            F.textNode("MCPRoute"), F.textNode("v1"), F.textNode("gateway.envoyproxy.io"),
            F.textNode("aigateway.envoyproxy.io/v1beta1"), F.textNode("stdio"), F.textNode("sse"), F.textNode("http"),
            F.textNode("Allow"), F.textNode("Deny"), F.textNode("StringArray"), F.textNode("Inline"),
            F.textNode("ValueRef"), F.textNode("'unterminated"), F.textNode("1 +"), F.objectNode(), F.arrayNode(),
            F.arrayNode().addNull(), F.objectNode().putNull(""));

    /** The seeds are valid, so a mutation is one or a few steps away from a document that parses. */
    @Test
    void seedsParse() throws ConfigException {
        assertThat(McpServersParser.parse("servers.json", SERVERS_SEED, ENV).routes().get(0).backends()).hasSize(3);
        assertThat(McpRouteParser.parse("routes.yaml", ROUTE_SEED, ENV).routes().get(0).backends()).hasSize(3);
    }

    @Test
    void mcpServersDocumentsParseOrFailWithAConfigException() {
        int[] parsed = {0};
        int tries = forAll(1000, mutatedServers(), json -> {
            Outcome outcome = outcome(() -> McpServersParser.parse("servers.json", json, ENV));

            expected(outcome, json);
            parsed[0] += outcome.kind().equals("parsed") ? 1 : 0;
        });

        enoughParsed("mutated mcp-servers.json documents", parsed[0], tries);
    }

    @Test
    void mcpRouteDocumentsParseOrFailWithAConfigException() {
        int[] parsed = {0};
        int tries = forAll(1000, mutatedRoutes(), yaml -> {
            Outcome outcome = outcome(() -> McpRouteParser.parse("routes.yaml", yaml, ENV));

            expected(outcome, yaml);
            parsed[0] += outcome.kind().equals("parsed") ? 1 : 0;
        });

        enoughParsed("mutated MCPRoute files", parsed[0], tries);
    }

    /** Text that is barely a document: YAML and JSON punctuation, anchors, tags, indentation. */
    @Test
    void yamlishTextParsesOrFailsWithAConfigException() {
        forAll(500, yamlish(), text -> {
            Outcome routes = outcome(() -> McpRouteParser.parse("routes.yaml", text, ENV));
            Outcome servers = outcome(() -> McpServersParser.parse("servers.json", text, ENV));

            expected(routes, text);
            expected(servers, text);
        });
    }

    @Test
    void arbitraryStringsParseOrFailWithAConfigException() {
        forAll(300, strings(200), text -> {
            expected(outcome(() -> McpRouteParser.parse("routes.yaml", text, ENV)), text);
            expected(outcome(() -> McpServersParser.parse("servers.json", text, ENV)), text);
        });
    }

    /**
     * The coverage check: mutations must leave enough valid documents to reach past the first
     * checks (at least 5 %), or the property only ever tests the parser's first refusal. Skipped
     * when a single try is replayed.
     */
    static void enoughParsed(String what, int parsed, int tries) {
        if (tries < 100) {
            return;
        }
        int percent = parsed * 100 / tries;
        System.out.println(ConfigParsersFuzzTest.class.getSimpleName() + ": " + percent + " % of " + tries + " " + what
                + " parsed");
        assertThat(percent).as("%% of %d %s that parsed", tries, what).isGreaterThanOrEqualTo(5);
    }

    /** What a parse ended in: "parsed", "refused", or an unexpected throwable (the defect). */
    record Outcome(String kind, Throwable unexpected) {
    }

    interface Parse {
        GatewayModel run() throws ConfigException;
    }

    /** Fails with the unexpected exception as the cause, so its stack trace shows where the parser broke. */
    static void expected(Outcome outcome, String input) {
        if (outcome.unexpected() != null) {
            throw new AssertionError("a parser threw " + outcome.unexpected() + " for:\n" + input, outcome.unexpected());
        }
    }

    static Outcome outcome(Parse parse) {
        try {
            GatewayModel model = parse.run();
            assertThat(model.routes()).isNotEmpty();
            return new Outcome("parsed", null);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            return new Outcome("refused", null);
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome("unexpected", e);
        }
    }

    // ---------------------------------------------------------------- generators

    static Gen<String> mutatedServers() {
        JsonNode seed = read(JSON_MAPPER, SERVERS_SEED).get(0);
        return r -> {
            JsonNode doc = mutate(seed.deepCopy(), r);
            String text = JSON_MAPPER.valueToTree(doc).toString();
            return r.nextInt(10) == 0 ? corrupt(text, r) : text;
        };
    }

    static Gen<String> mutatedRoutes() {
        List<JsonNode> seeds = read(YAML_MAPPER, ROUTE_SEED);
        return r -> {
            List<JsonNode> docs = new ArrayList<>();
            for (JsonNode d : seeds) {
                if (r.nextInt(8) != 0) {
                    docs.add(d.deepCopy());
                }
            }
            if (r.nextInt(6) == 0 && !docs.isEmpty()) {
                docs.add(docs.get(r.nextInt(docs.size())).deepCopy()); // a duplicate document
            }
            if (docs.isEmpty()) {
                docs.add(seeds.get(0).deepCopy());
            }
            int target = r.nextInt(docs.size());
            docs.set(target, mutate(docs.get(target), r));
            StringBuilder yaml = new StringBuilder();
            for (JsonNode d : docs) {
                try {
                    yaml.append(YAML_MAPPER.writeValueAsString(d));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            String text = yaml.toString();
            return r.nextInt(10) == 0 ? corrupt(text, r) : text;
        };
    }

    static Gen<String> yamlish() {
        return concat(List.of("apiVersion: ", "kind: ", "MCPRoute", "metadata:", "spec:", "name: x", "\n", "\n  ", "- ",
                "---\n", "...\n", ": ", "{", "}", "[", "]", ",", "\"", "'", "&a ", "*a", "!!binary ", "!!str ", "!Custom ",
                "<<: *a", "? ", "|\n", ">\n", "#", "\t", "%YAML 1.2\n", "v1", "aigateway.envoyproxy.io/v1beta1",
                "backendRefs:", "mcpServers", "\"mcpServers\": {", "\"a\": {\"url\": ", "\"http://h/\"", "${X}",
                "\u0000", "\uFEFF", "é", "𝄞", "~", "null", "true", "1e999", "0x1F", ".inf"), 60);
    }

    static List<JsonNode> read(ObjectMapper mapper, String text) {
        try (var it = mapper.readerFor(JsonNode.class).<JsonNode>readValues(text)) {
            return it.readAll();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One to four edits at random places in the tree. */
    static JsonNode mutate(JsonNode doc, Random r) {
        JsonNode root = doc;
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            List<JsonNode> containers = new ArrayList<>();
            collect(root, containers);
            JsonNode c = containers.get(r.nextInt(containers.size()));
            if (c instanceof ObjectNode o) {
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                String name = names.isEmpty() || r.nextInt(4) == 0 ? FIELD_NAMES.get(r.nextInt(FIELD_NAMES.size()))
                        : names.get(r.nextInt(names.size()));
                switch (r.nextInt(5)) {
                    case 0 -> o.remove(name);
                    case 1 -> o.set(name, wrap(o.get(name), r));
                    default -> o.set(name, randomValue(r, 2));
                }
            } else if (c instanceof ArrayNode a) {
                switch (r.nextInt(4)) {
                    case 0 -> {
                        if (!a.isEmpty()) {
                            a.remove(r.nextInt(a.size()));
                        }
                    }
                    case 1 -> {
                        if (!a.isEmpty()) {
                            a.add(a.get(r.nextInt(a.size())).deepCopy());
                        }
                    }
                    default -> {
                        if (a.isEmpty()) {
                            a.add(randomValue(r, 2));
                        } else {
                            a.set(r.nextInt(a.size()), randomValue(r, 2));
                        }
                    }
                }
            }
        }
        if (r.nextInt(30) == 0) {
            return randomValue(r, 3); // the whole document is something else
        }
        return root;
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.forEach(child -> collect(child, out));
        }
    }

    private static JsonNode wrap(JsonNode value, Random r) {
        JsonNode v = value == null ? F.nullNode() : value;
        return r.nextBoolean() ? F.arrayNode().add(v) : F.objectNode().set("value", v);
    }

    static JsonNode randomValue(Random r, int depth) {
        int pick = r.nextInt(depth <= 0 ? 6 : 8);
        return switch (pick) {
            case 6 -> {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(3); i > 0; i--) {
                    a.add(randomValue(r, depth - 1));
                }
                yield a;
            }
            case 7 -> {
                ObjectNode o = F.objectNode();
                for (int i = r.nextInt(3); i > 0; i--) {
                    o.set(FIELD_NAMES.get(r.nextInt(FIELD_NAMES.size())), randomValue(r, depth - 1));
                }
                yield o;
            }
            default -> ODD_VALUES.get(r.nextInt(ODD_VALUES.size())).deepCopy();
        };
    }

    static final String PUNCTUATION = "{}[]:,\"'\n-&*!#|>\t\u0000";

    /** A text-level corruption: cut short, a character inserted, or a line duplicated. */
    static String corrupt(String text, Random r) {
        int at = r.nextInt(text.length() + 1);
        return switch (r.nextInt(3)) {
            case 0 -> text.substring(0, at);
            case 1 -> text.substring(0, at) + PUNCTUATION.charAt(r.nextInt(PUNCTUATION.length())) + text.substring(at);
            default -> {
                String[] lines = text.split("\n", -1);
                int l = r.nextInt(lines.length);
                yield text + "\n" + lines[l];
            }
        };
    }
}
