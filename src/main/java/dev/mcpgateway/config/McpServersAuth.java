package dev.mcpgateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code auth} sections of mcp-servers.json: the top-level one (OAuth resource server, client
 * API keys, authorization rules) and a server's own (how the gateway obtains that backend's
 * credentials).
 */
final class McpServersAuth {

    private final Function<String, String> env;

    McpServersAuth(Function<String, String> env) {
        this.env = env;
    }

    /** The route's security from the top-level {@code auth} (absent: open) and the servers' own. */
    RouteSecurity route(Node auth, Map<String, RouteSecurity.UpstreamAuth> upstreams, List<String> backends)
            throws ConfigException {
        if (!auth.present()) {
            return upstreams.isEmpty() ? RouteSecurity.NONE : new RouteSecurity(null, null, null, upstreams);
        }
        if (!auth.node().isObject()) {
            throw auth.error("expected an object with \"oauth\", \"apiKeys\" or \"authorization\"");
        }
        auth.allowOnly("oauth", "apiKeys", "authorization");
        OAuthConfig oauth = auth.field("oauth").present() ? oauth(auth.field("oauth")) : null;
        ApiKeyAuthConfig keys = auth.field("apiKeys").present() ? apiKeys(auth.field("apiKeys")) : null;
        AuthorizationConfig rules = auth.field("authorization").present()
                ? SecurityParts.authorization(auth.field("authorization"), r -> rule(r, backends))
                : null;
        return new RouteSecurity(oauth, keys, rules, upstreams);
    }

    private OAuthConfig oauth(Node node) throws ConfigException {
        node.requireObject();
        node.allowOnly("issuer", "resource", "audiences", "jwksUri", "jwks", "jwksFile", "scopesSupported",
                "requiredScopes", "resourceName", "resourceDocumentation", "resourcePolicyUri", "signingAlgorithms",
                "introspection", "claimToHeaders", "dpop");
        if (!node.field("issuer").present()) {
            throw node.field("issuer").error("required (the authorization server's issuer URL)");
        }
        String issuer = SecurityParts.httpUrl(node.field("issuer"));
        if (!node.field("resource").present()) {
            throw node.field("resource").error("required (this gateway's public URL of the endpoint, e.g."
                    + " https://gateway.example.com/mcp; tokens must be issued for it)");
        }
        String resource = SecurityParts.httpUrl(node.field("resource"));
        List<String> algs = node.field("signingAlgorithms").strings();
        for (String alg : algs) {
            if ("none".equalsIgnoreCase(alg) || alg.startsWith("HS")) {
                throw node.field("signingAlgorithms").error("\"" + alg
                        + "\" is not accepted; use asymmetric algorithms (RS256, ES256, PS256, EdDSA, ...)");
            }
        }
        var metadata = new OAuthConfig.ProtectedResourceMetadata(resource, node.field("resourceName").optString(null),
                node.field("scopesSupported").strings(), algs, node.field("resourceDocumentation").optString(null),
                node.field("resourcePolicyUri").optString(null));
        return new OAuthConfig(issuer, node.field("audiences").strings(), jwks(node), metadata,
                SecurityParts.claimToHeaders(node.field("claimToHeaders")), node.field("requiredScopes").strings(),
                introspection(node.field("introspection")), SecurityParts.dpop(node.field("dpop")));
    }

    /** {@code jwksUri}, {@code jwks} (inline) or {@code jwksFile}; null to discover them from the issuer. */
    private static OAuthConfig.Jwks jwks(Node node) throws ConfigException {
        Node uri = node.field("jwksUri");
        Node inline = node.field("jwks");
        Node file = node.field("jwksFile");
        if ((uri.present() ? 1 : 0) + (inline.present() ? 1 : 0) + (file.present() ? 1 : 0) > 1) {
            throw node.error("expected at most one of jwksUri, jwks and jwksFile");
        }
        if (uri.present()) {
            return new OAuthConfig.Jwks(SecurityParts.httpUrl(uri), null);
        }
        if (inline.present()) {
            String json = inline.node().isTextual() ? inline.string() : inline.node().toString();
            return new OAuthConfig.Jwks(null, SecurityParts.jwkSet(inline, json));
        }
        if (file.present()) {
            String f = file.string();
            try {
                return new OAuthConfig.Jwks(null, SecurityParts.jwkSet(file, Files.readString(Path.of(f))));
            } catch (IOException e) {
                throw file.error("cannot read " + f + ": " + e.getMessage());
            }
        }
        return null;
    }

    private static OAuthConfig.Introspection introspection(Node in) throws ConfigException {
        if (!in.present()) {
            return null;
        }
        if (!in.node().isObject()) {
            throw in.error("expected an object with clientId, clientSecret and optionally endpoint");
        }
        in.allowOnly("endpoint", "clientId", "clientSecret");
        return new OAuthConfig.Introspection(SecurityParts.optHttpUrl(in.field("endpoint")), in.field("clientId").string(),
                in.field("clientSecret").optString(null));
    }

    private ApiKeyAuthConfig apiKeys(Node node) throws ConfigException {
        node.requireObject();
        node.allowOnly("keys", "env", "file", "headers", "queryParams", "forwardClientIdHeader");
        Map<String, String> keys = new LinkedHashMap<>(node.field("keys").scalars());
        String var = node.field("env").optString(null);
        if (var != null) {
            String value = env.apply(var);
            if (value == null) {
                throw node.field("env").error("the environment variable " + var + " is not set");
            }
            parseKeys(value.replace(',', '\n'), keys, node.field("env"));
        }
        Node file = node.field("file");
        if (file.present()) {
            readKeyFile(file, keys);
        }
        if (keys.isEmpty()) {
            throw node.error("no keys (give \"keys\", \"env\" or \"file\")");
        }
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (e.getValue().length() < 16) {
                throw node.error("the key of client \"" + e.getKey() + "\" is shorter than 16 characters; use a long"
                        + " random key");
            }
        }
        return new ApiKeyAuthConfig(Map.copyOf(keys), node.field("headers").strings(), node.field("queryParams").strings(),
                node.field("forwardClientIdHeader").optString(null), true);
    }

    /** A file of {@code client=key} lines, or a mounted Kubernetes Secret: one file per client id. */
    private static void readKeyFile(Node file, Map<String, String> keys) throws ConfigException {
        String f = file.string();
        Path p = Path.of(f);
        try {
            if (!Files.isDirectory(p)) {
                parseKeys(Files.readString(p), keys, file);
                return;
            }
            try (var files = Files.list(p)) {
                for (Path k : files.sorted().toList()) {
                    String name = k.getFileName().toString();
                    if (!name.startsWith(".") && Files.isRegularFile(k)) {
                        keys.put(name, Files.readString(k).strip());
                    }
                }
            }
        } catch (IOException e) {
            throw file.error("cannot read " + f + ": " + e.getMessage());
        }
    }

    /** Lines (or comma-separated entries) of {@code client=key}; a bare key belongs to client {@code default}. */
    private static void parseKeys(String text, Map<String, String> keys, Node where) throws ConfigException {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            String id = eq < 0 ? "default" : l.substring(0, eq).strip();
            String key = eq < 0 ? l : l.substring(eq + 1).strip();
            if (id.isEmpty() || key.isEmpty()) {
                throw where.error("expected client=key entries");
            }
            keys.put(id, key);
        }
    }

    private static AuthorizationConfig.Rule rule(Node node, List<String> backends) throws ConfigException {
        node.allowOnly("name", "scopes", "claims", "tools", "prompts", "resources", "cel", "action");
        List<AuthorizationConfig.JwtClaim> claims = new ArrayList<>();
        Node cs = node.field("claims");
        if (cs.present() && !cs.node().isObject()) {
            throw cs.error("expected an object of claim name to a string or an array");
        }
        for (Map.Entry<String, Node> e : cs.entries()) {
            Node v = e.getValue();
            if (v.node().isTextual()) {
                claims.add(new AuthorizationConfig.JwtClaim(e.getKey(), AuthorizationConfig.ClaimType.STRING,
                        List.of(v.string())));
            } else if (v.node().isArray()) {
                claims.add(new AuthorizationConfig.JwtClaim(e.getKey(), AuthorizationConfig.ClaimType.STRING_ARRAY,
                        v.strings()));
            } else {
                throw v.error("expected a string (the claim's value) or an array (values the claim's array must"
                        + " contain one of)");
            }
        }
        String cel = node.field("cel").optString(null);
        if (cel != null) {
            try {
                CelConditions.compile(cel);
            } catch (IllegalArgumentException e) {
                throw node.field("cel").error(e.getMessage());
            }
        }
        return new AuthorizationConfig.Rule(SecurityParts.jwtSource(node.field("scopes").strings(), claims),
                targets(node.field("tools"), backends), SecurityParts.action(node.field("action"),
                        AuthorizationConfig.Action.ALLOW),
                node.field("name").optString(null), targets(node.field("prompts"), backends),
                targets(node.field("resources"), backends), cel);
    }

    /** {@code "backend__name"} strings ({@code *} for any part), or {@code {"backend", "name"}} objects. */
    private static List<AuthorizationConfig.ToolTarget> targets(Node list, List<String> backends) throws ConfigException {
        if (list.present() && !list.node().isArray()) {
            throw list.error("expected an array of \"backend__name\" or {\"backend\", \"name\"}");
        }
        List<AuthorizationConfig.ToolTarget> out = new ArrayList<>();
        for (Node t : list.list()) {
            if (t.node().isTextual()) {
                String s = t.string();
                int sep = s.indexOf("__");
                if (sep <= 0) {
                    throw t.error("expected \"backend__name\" (the prefixed name), got \"" + s + "\"");
                }
                out.add(SecurityParts.target(t, s.substring(0, sep), s.substring(sep + 2), backends));
            } else if (t.node().isObject()) {
                String name = t.field("name").present() ? t.field("name").string() : t.field("tool").optString(null);
                if (!t.field("backend").present() || name == null) {
                    throw t.error("expected {\"backend\": ..., \"name\": ...}");
                }
                out.add(SecurityParts.target(t, t.field("backend").string(), name, backends));
            } else {
                throw t.error("expected a string or an object");
            }
        }
        return List.copyOf(out);
    }

    /** A server's {@code auth}: how the gateway obtains the credentials it sends that backend. */
    static RouteSecurity.UpstreamAuth upstream(Node node) throws ConfigException {
        if (!node.node().isObject()) {
            throw node.error("expected an object with \"type\"");
        }
        node.allowOnly("type", "issuer", "tokenEndpoint", "authorizationEndpoint", "clientId", "clientSecret", "scopes",
                "audience", "header");
        Node type = node.field("type");
        if (!type.present()) {
            throw type.error("required: client_credentials, token_exchange, passthrough or user_oauth");
        }
        String t = type.string();
        RouteSecurity.UpstreamAuth.Kind kind = switch (t.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "client_credentials" -> RouteSecurity.UpstreamAuth.Kind.CLIENT_CREDENTIALS;
            case "token_exchange" -> RouteSecurity.UpstreamAuth.Kind.TOKEN_EXCHANGE;
            case "passthrough" -> RouteSecurity.UpstreamAuth.Kind.PASSTHROUGH;
            case "user_oauth" -> RouteSecurity.UpstreamAuth.Kind.USER_OAUTH;
            default -> throw type.error(
                    "expected client_credentials, token_exchange, passthrough or user_oauth, got \"" + t + "\"");
        };
        if (kind == RouteSecurity.UpstreamAuth.Kind.USER_OAUTH) {
            return userOAuth(node, node.field("clientSecret").optString(null));
        }
        if (node.field("authorizationEndpoint").present()) {
            throw node.field("authorizationEndpoint").error("only for user_oauth");
        }
        String issuer = SecurityParts.optHttpUrl(node.field("issuer"));
        String endpoint = SecurityParts.optHttpUrl(node.field("tokenEndpoint"));
        String clientId = node.field("clientId").optString(null);
        if (kind != RouteSecurity.UpstreamAuth.Kind.PASSTHROUGH) {
            if (issuer == null && endpoint == null) {
                throw node.error("needs \"issuer\" or \"tokenEndpoint\"");
            }
            if (clientId == null) {
                throw node.field("clientId").error("required for " + t);
            }
        }
        return new RouteSecurity.UpstreamAuth(kind, endpoint, issuer, clientId, node.field("clientSecret").optString(null),
                node.field("scopes").strings(), node.field("audience").optString(null), node.field("header").optString(null));
    }

    /**
     * A {@code user_oauth} client (mcp-servers.json server {@code auth}, MCPRoute
     * {@code securityPolicy.oauthClient}): the issuer or both endpoints, the gateway's client id.
     */
    static RouteSecurity.UpstreamAuth userOAuth(Node node, String clientSecret) throws ConfigException {
        String issuer = SecurityParts.optHttpUrl(node.field("issuer"));
        String token = SecurityParts.optHttpUrl(node.field("tokenEndpoint"));
        String authorize = SecurityParts.optHttpUrl(node.field("authorizationEndpoint"));
        if (issuer == null && (token == null || authorize == null)) {
            throw node.error("needs \"issuer\" (metadata is discovered from it) or both \"authorizationEndpoint\" and"
                    + " \"tokenEndpoint\"");
        }
        if (!node.field("clientId").present()) {
            throw node.field("clientId").error("required for user_oauth (the gateway's client at the authorization server)");
        }
        if (node.field("audience").present() || node.field("header").present()) {
            throw node.error("user_oauth sends the grant as Authorization: Bearer; \"audience\" and \"header\" do not apply");
        }
        return new RouteSecurity.UpstreamAuth(RouteSecurity.UpstreamAuth.Kind.USER_OAUTH, token, issuer,
                node.field("clientId").string(), clientSecret, node.field("scopes").strings(), null, null, authorize);
    }
}
