package dev.mcpgateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the {@code mcp-servers.json} format agents use: {@code {"mcpServers": {"NAME": {...}}}}.
 * Every string value goes through {@code ${VAR}} substitution. Errors name the file, the server
 * entry and the field.
 */
public final class McpServersParser {

    /** Backend names become name prefixes and URI authorities, so keep them to a safe alphabet. */
    private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final String file;
    private final EnvSubstitution substitution;
    private final Function<String, String> env;

    private McpServersParser(String file, Function<String, String> env) {
        this.file = file;
        this.substitution = new EnvSubstitution(env);
        this.env = env;
    }

    public static GatewayModel parse(Path path) throws ConfigException {
        return parse(path, System::getenv);
    }

    public static GatewayModel parse(Path path, Function<String, String> env) throws ConfigException {
        return parse(path.toString(), ConfigFiles.read(path), env);
    }

    public static GatewayModel parse(String fileName, String text, Function<String, String> env) throws ConfigException {
        return new McpServersParser(fileName, env).parse(text);
    }

    private GatewayModel parse(String text) throws ConfigException {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ConfigException(file + ": invalid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file + ": expected a JSON object with \"mcpServers\"");
        }
        JsonNode servers = root.get("mcpServers");
        if (servers == null || !servers.isObject()) {
            throw new ConfigException(file + ": \"mcpServers\": expected an object mapping server names to servers");
        }
        PrefixMode prefix = PrefixMode.ALWAYS;
        JsonNode prefixNode = root.get("prefixMode");
        if (prefixNode != null) {
            prefix = parsePrefix(prefixNode.asText(), file + ": \"prefixMode\"");
        }
        String path = "/mcp";
        JsonNode pathNode = root.get("path");
        if (pathNode != null) {
            path = pathNode.asText();
            if (!path.startsWith("/")) {
                throw new ConfigException(file + ": \"path\": expected a path starting with /, got \"" + path + "\"");
            }
        }
        List<BackendConfig> backends = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = servers.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            BackendConfig b = backend(e.getKey(), e.getValue());
            if (b != null) {
                backends.add(b);
            }
        }
        if (backends.isEmpty()) {
            throw new ConfigException(file + ": \"mcpServers\": no enabled server entries");
        }
        RouteSecurity security = security(root.get("auth"), servers, backends);
        return new GatewayModel(file, List.of(new RouteConfig("default", path, prefix, List.copyOf(backends), security)));
    }

    static PrefixMode parsePrefix(String value, String where) throws ConfigException {
        try {
            return PrefixMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": expected one of always, conditional, never; got \"" + value + "\"");
        }
    }

    private BackendConfig backend(String name, JsonNode node) throws ConfigException {
        String where = file + ": server \"" + name + "\"";
        if (!BACKEND_NAME.matcher(name).matches() || name.contains("__")) {
            throw new ConfigException(where + ": the name must match [A-Za-z0-9][A-Za-z0-9_.-]* without \"__\""
                    + " (it becomes the prefix <name>__<tool>)");
        }
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected an object");
        }
        JsonNode disabled = node.get("disabled");
        if (disabled != null && disabled.asBoolean(false)) {
            return null;
        }
        String url = text(node, "url", where);
        String command = text(node, "command", where);
        String type = text(node, "type", where);
        if (type == null) {
            type = text(node, "transport", where);
        }
        TransportKind kind;
        if (type == null) {
            if (url != null && command != null) {
                throw new ConfigException(where + ": has both \"url\" and \"command\"; set \"type\" or remove one");
            }
            if (url == null && command == null) {
                throw new ConfigException(where + ": needs \"url\" (an HTTP server) or \"command\" (a stdio server)");
            }
            kind = url != null ? TransportKind.STREAMABLE_HTTP : TransportKind.STDIO;
        } else {
            kind = switch (type) {
                case "http", "streamable-http", "streamableHttp", "streamable_http" -> TransportKind.STREAMABLE_HTTP;
                case "sse" -> TransportKind.SSE;
                case "stdio" -> TransportKind.STDIO;
                default -> throw new ConfigException(where + ": \"type\": unknown transport \"" + type
                        + "\"; expected one of http, streamable-http, streamableHttp, sse, stdio");
            };
        }
        if (kind == TransportKind.STDIO && command == null) {
            throw new ConfigException(where + ": \"command\": required for type stdio");
        }
        if (kind != TransportKind.STDIO) {
            if (url == null) {
                throw new ConfigException(where + ": \"url\": required for an HTTP server");
            }
            if (!(url.startsWith("http://") || url.startsWith("https://"))) {
                throw new ConfigException(where + ": \"url\": expected an http:// or https:// URL, got \"" + url + "\"");
            }
            try {
                java.net.URI uri = java.net.URI.create(url);
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException("no host");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ": \"url\": not a valid URL: \"" + url + "\"");
            }
        }
        Map<String, String> headers = stringMap(node, "headers", where);
        List<String> args = stringList(node, "args", where);
        Map<String, String> env = stringMap(node, "env", where);
        String cwd = text(node, "cwd", where);
        ToolFilter filter = toolFilter(node, where);
        Duration timeout = timeout(node, where);
        List<ForwardHeader> forward = new ArrayList<>();
        for (String h : stringList(node, "forwardHeaders", where)) {
            forward.add(new ForwardHeader(h, h));
        }
        return new BackendConfig(name, kind, url, headers, command, args, env, cwd, filter, timeout, forward,
                UpstreamTls.DEFAULT);
    }

    private ToolFilter toolFilter(JsonNode node, String where) throws ConfigException {
        List<String> include = new ArrayList<>();
        boolean any = false;
        for (String field : List.of("tools", "includeTools", "allowedTools")) {
            if (node.has(field)) {
                include.addAll(stringList(node, field, where));
                any = true;
            }
        }
        List<String> exclude = stringList(node, "excludeTools", where);
        List<Pattern> includeRegex = patterns(stringList(node, "includeToolsRegex", where), where + ": \"includeToolsRegex\"");
        List<Pattern> excludeRegex = patterns(stringList(node, "excludeToolsRegex", where), where + ": \"excludeToolsRegex\"");
        if (any && include.isEmpty() && includeRegex.isEmpty()) {
            // An explicit empty allow-list allows nothing; say so rather than silently allowing all.
            includeRegex = List.of(Pattern.compile("(?!)"));
        }
        if (include.isEmpty() && includeRegex.isEmpty() && exclude.isEmpty() && excludeRegex.isEmpty()) {
            return ToolFilter.ALLOW_ALL;
        }
        return new ToolFilter(Set.copyOf(new LinkedHashSet<>(include)), includeRegex, Set.copyOf(new LinkedHashSet<>(exclude)),
                excludeRegex);
    }

    static List<Pattern> patterns(List<String> regexes, String where) throws ConfigException {
        List<Pattern> out = new ArrayList<>();
        for (String r : regexes) {
            try {
                out.add(Pattern.compile(r));
            } catch (PatternSyntaxException e) {
                throw new ConfigException(where + ": invalid regular expression \"" + r + "\": " + e.getDescription());
            }
        }
        return List.copyOf(out);
    }

    private Duration timeout(JsonNode node, String where) throws ConfigException {
        JsonNode t = node.get("timeout");
        if (t == null || t.isNull()) {
            return DEFAULT_TIMEOUT;
        }
        if (t.isNumber()) {
            // Agent configs give seconds here.
            return Duration.ofMillis((long) (t.asDouble() * 1000));
        }
        String s = sub(t.asText(), where + ": \"timeout\"");
        try {
            return parseDuration(s);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new ConfigException(
                    where + ": \"timeout\": expected seconds or a duration like 30s, 500ms, 2m; got \"" + s + "\"");
        }
    }

    /** Accepts {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, a number of seconds, or ISO-8601. */
    public static Duration parseDuration(String s) {
        String v = s.trim();
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
        }
        if (v.startsWith("P") || v.startsWith("p")) {
            return Duration.parse(v);
        }
        char unit = v.charAt(v.length() - 1);
        if (Character.isDigit(unit)) {
            return Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
        }
        long n = Long.parseLong(v.substring(0, v.length() - 1).trim());
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new NumberFormatException(s);
        };
    }

    private String text(JsonNode node, String field, String where) throws ConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ConfigException(where + ": \"" + field + "\": expected a string");
        }
        return sub(v.asText(), where + ": \"" + field + "\"");
    }

    private List<String> stringList(JsonNode node, String field, String where) throws ConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new ConfigException(where + ": \"" + field + "\": expected an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual()) {
                throw new ConfigException(where + ": \"" + field + "\"[" + i + "]: expected a string");
            }
            out.add(sub(e.asText(), where + ": \"" + field + "\"[" + i + "]"));
        }
        return List.copyOf(out);
    }

    private Map<String, String> stringMap(JsonNode node, String field, String where) throws ConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new ConfigException(where + ": \"" + field + "\": expected an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = where + ": \"" + field + "\".\"" + e.getKey() + "\"";
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new ConfigException(at + ": expected a string");
            }
            out.put(e.getKey(), sub(e.getValue().asText(), at));
        }
        return Map.copyOf(out);
    }

    private String sub(String value, String where) throws ConfigException {
        try {
            return substitution.apply(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    // ---- security: top-level "auth" and per-server "auth" ---------------------------------------

    private RouteSecurity security(JsonNode auth, JsonNode servers, List<BackendConfig> backends) throws ConfigException {
        Map<String, RouteSecurity.UpstreamAuth> upstreams = new LinkedHashMap<>();
        for (BackendConfig b : backends) {
            JsonNode a = servers.get(b.name()).get("auth");
            if (a != null && !a.isNull()) {
                upstreams.put(b.name(), upstreamAuth(a, file + ": server \"" + b.name() + "\": \"auth\""));
            }
        }
        if (auth == null || auth.isNull()) {
            return upstreams.isEmpty() ? RouteSecurity.NONE : new RouteSecurity(null, null, null, upstreams);
        }
        String where = file + ": \"auth\"";
        if (!auth.isObject()) {
            throw new ConfigException(where + ": expected an object with \"oauth\", \"apiKeys\" or \"authorization\"");
        }
        known(auth, where, "oauth", "apiKeys", "authorization");
        OAuthConfig oauth = auth.hasNonNull("oauth") ? oauth(auth.get("oauth"), where + ".oauth") : null;
        ApiKeyAuthConfig keys = auth.hasNonNull("apiKeys") ? apiKeys(auth.get("apiKeys"), where + ".apiKeys") : null;
        AuthorizationConfig rules = auth.hasNonNull("authorization")
                ? authorization(auth.get("authorization"), where + ".authorization", backends)
                : null;
        return new RouteSecurity(oauth, keys, rules, upstreams);
    }

    private static void known(JsonNode node, String where, String... fields) throws ConfigException {
        Set<String> allowed = Set.of(fields);
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ConfigException(
                        where + ": unknown field \"" + f + "\"; expected one of " + String.join(", ", fields));
            }
        }
    }

    private static String httpUrl(String value, String where) throws ConfigException {
        if (value == null) {
            return null;
        }
        try {
            java.net.URI u = java.net.URI.create(value);
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": expected an http:// or https:// URL, got \"" + value + "\"");
        }
        return value;
    }

    private OAuthConfig oauth(JsonNode node, String where) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected an object");
        }
        known(node, where, "issuer", "resource", "audiences", "jwksUri", "jwks", "jwksFile", "scopesSupported",
                "requiredScopes", "resourceName", "resourceDocumentation", "resourcePolicyUri", "signingAlgorithms",
                "introspection", "claimToHeaders");
        String issuer = httpUrl(text(node, "issuer", where), where + ".issuer");
        if (issuer == null) {
            throw new ConfigException(where + ".issuer: required (the authorization server's issuer URL)");
        }
        String resource = httpUrl(text(node, "resource", where), where + ".resource");
        if (resource == null) {
            throw new ConfigException(where + ".resource: required (this gateway's public URL of the endpoint, e.g."
                    + " https://gateway.example.com/mcp; tokens must be issued for it)");
        }
        OAuthConfig.Jwks jwks = null;
        int sources = (node.hasNonNull("jwksUri") ? 1 : 0) + (node.hasNonNull("jwks") ? 1 : 0)
                + (node.hasNonNull("jwksFile") ? 1 : 0);
        if (sources > 1) {
            throw new ConfigException(where + ": expected at most one of jwksUri, jwks and jwksFile");
        }
        if (node.hasNonNull("jwksUri")) {
            jwks = new OAuthConfig.Jwks(httpUrl(text(node, "jwksUri", where), where + ".jwksUri"), null);
        } else if (node.hasNonNull("jwks")) {
            JsonNode j = node.get("jwks");
            String json = j.isTextual() ? sub(j.asText(), where + ".jwks") : j.toString();
            jwks = new OAuthConfig.Jwks(null, checkJwks(json, where + ".jwks"));
        } else if (node.hasNonNull("jwksFile")) {
            String f = text(node, "jwksFile", where);
            try {
                jwks = new OAuthConfig.Jwks(null, checkJwks(Files.readString(Path.of(f)), where + ".jwksFile"));
            } catch (IOException e) {
                throw new ConfigException(where + ".jwksFile: cannot read " + f + ": " + e.getMessage());
            }
        }
        List<String> algs = stringList(node, "signingAlgorithms", where);
        for (String alg : algs) {
            if ("none".equalsIgnoreCase(alg) || alg.startsWith("HS")) {
                throw new ConfigException(where + ".signingAlgorithms: \"" + alg
                        + "\" is not accepted; use asymmetric algorithms (RS256, ES256, PS256, EdDSA, ...)");
            }
        }
        var metadata = new OAuthConfig.ProtectedResourceMetadata(resource, text(node, "resourceName", where),
                stringList(node, "scopesSupported", where), algs, text(node, "resourceDocumentation", where),
                text(node, "resourcePolicyUri", where));
        OAuthConfig.Introspection introspection = null;
        JsonNode in = node.get("introspection");
        if (in != null && !in.isNull()) {
            String w = where + ".introspection";
            if (!in.isObject()) {
                throw new ConfigException(w + ": expected an object with clientId, clientSecret and optionally endpoint");
            }
            known(in, w, "endpoint", "clientId", "clientSecret");
            String clientId = text(in, "clientId", w);
            if (clientId == null) {
                throw new ConfigException(w + ".clientId: required");
            }
            introspection = new OAuthConfig.Introspection(httpUrl(text(in, "endpoint", w), w + ".endpoint"), clientId,
                    text(in, "clientSecret", w));
        }
        List<OAuthConfig.ClaimToHeader> claimHeaders = new ArrayList<>();
        JsonNode ch = node.get("claimToHeaders");
        if (ch != null && !ch.isNull()) {
            if (!ch.isArray()) {
                throw new ConfigException(where + ".claimToHeaders: expected an array of {claim, header}");
            }
            for (int i = 0; i < ch.size(); i++) {
                String w = where + ".claimToHeaders[" + i + "]";
                String claim = text(ch.get(i), "claim", w);
                String header = text(ch.get(i), "header", w);
                if (claim == null || header == null) {
                    throw new ConfigException(w + ": expected {\"claim\": ..., \"header\": ...}");
                }
                claimHeaders.add(new OAuthConfig.ClaimToHeader(claim, header));
            }
        }
        return new OAuthConfig(issuer, stringList(node, "audiences", where), jwks, metadata, claimHeaders,
                stringList(node, "requiredScopes", where), introspection);
    }

    private static String checkJwks(String json, String where) throws ConfigException {
        try {
            JsonNode doc = MAPPER.readTree(json);
            if (doc == null || !doc.path("keys").isArray()) {
                throw new ConfigException(where + ": expected a JWK set {\"keys\": [...]}");
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(where + ": invalid JSON: " + e.getOriginalMessage());
        }
        return json;
    }

    private ApiKeyAuthConfig apiKeys(JsonNode node, String where) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected an object");
        }
        known(node, where, "keys", "env", "file", "headers", "queryParams", "forwardClientIdHeader");
        Map<String, String> keys = new LinkedHashMap<>(stringMap(node, "keys", where));
        String var = text(node, "env", where);
        if (var != null) {
            String value = env.apply(var);
            if (value == null) {
                throw new ConfigException(where + ".env: the environment variable " + var + " is not set");
            }
            parseKeys(value.replace(',', '\n'), keys, where + ".env (" + var + ")");
        }
        String f = text(node, "file", where);
        if (f != null) {
            Path p = Path.of(f);
            try {
                if (Files.isDirectory(p)) {
                    // A mounted Kubernetes Secret: one file per client id, holding its key.
                    try (var files = Files.list(p)) {
                        for (Path k : files.sorted().toList()) {
                            String name = k.getFileName().toString();
                            if (!name.startsWith(".") && Files.isRegularFile(k)) {
                                keys.put(name, Files.readString(k).strip());
                            }
                        }
                    }
                } else {
                    parseKeys(Files.readString(p), keys, where + ".file (" + f + ")");
                }
            } catch (IOException e) {
                throw new ConfigException(where + ".file: cannot read " + f + ": " + e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new ConfigException(where + ": no keys (give \"keys\", \"env\" or \"file\")");
        }
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (e.getValue().length() < 16) {
                throw new ConfigException(where + ": the key of client \"" + e.getKey()
                        + "\" is shorter than 16 characters; use a long random key");
            }
        }
        return new ApiKeyAuthConfig(Map.copyOf(keys), stringList(node, "headers", where),
                stringList(node, "queryParams", where),
                text(node, "forwardClientIdHeader", where), true);
    }

    /** Lines (or comma-separated entries) of {@code client=key}; a bare key belongs to client {@code default}. */
    private static void parseKeys(String text, Map<String, String> keys, String where) throws ConfigException {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            String id = eq < 0 ? "default" : l.substring(0, eq).strip();
            String key = eq < 0 ? l : l.substring(eq + 1).strip();
            if (id.isEmpty() || key.isEmpty()) {
                throw new ConfigException(where + ": expected client=key entries");
            }
            keys.put(id, key);
        }
    }

    private AuthorizationConfig authorization(JsonNode node, String where, List<BackendConfig> backends)
            throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected an object with \"defaultAction\" and \"rules\"");
        }
        known(node, where, "defaultAction", "rules");
        AuthorizationConfig.Action defaultAction = action(text(node, "defaultAction", where), where + ".defaultAction",
                AuthorizationConfig.Action.DENY);
        List<AuthorizationConfig.Rule> rules = new ArrayList<>();
        JsonNode rs = node.get("rules");
        if (rs != null && !rs.isNull()) {
            if (!rs.isArray()) {
                throw new ConfigException(where + ".rules: expected an array");
            }
            for (int i = 0; i < rs.size(); i++) {
                rules.add(rule(rs.get(i), where + ".rules[" + i + "]", backends));
            }
        }
        return new AuthorizationConfig(defaultAction, List.copyOf(rules));
    }

    private static AuthorizationConfig.Action action(String value, String where, AuthorizationConfig.Action dflt)
            throws ConfigException {
        if (value == null) {
            return dflt;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "allow" -> AuthorizationConfig.Action.ALLOW;
            case "deny" -> AuthorizationConfig.Action.DENY;
            default -> throw new ConfigException(where + ": expected allow or deny, got \"" + value + "\"");
        };
    }

    private AuthorizationConfig.Rule rule(JsonNode node, String where, List<BackendConfig> backends)
            throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected an object");
        }
        known(node, where, "name", "scopes", "claims", "tools", "prompts", "resources", "cel", "action");
        List<AuthorizationConfig.JwtClaim> claims = new ArrayList<>();
        JsonNode cs = node.get("claims");
        if (cs != null && !cs.isNull()) {
            if (!cs.isObject()) {
                throw new ConfigException(where + ".claims: expected an object of claim name to a string or an array");
            }
            Iterator<Map.Entry<String, JsonNode>> it = cs.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String w = where + ".claims.\"" + e.getKey() + "\"";
                if (e.getValue().isTextual()) {
                    claims.add(new AuthorizationConfig.JwtClaim(e.getKey(), AuthorizationConfig.ClaimType.STRING,
                            List.of(sub(e.getValue().asText(), w))));
                } else if (e.getValue().isArray()) {
                    claims.add(new AuthorizationConfig.JwtClaim(e.getKey(), AuthorizationConfig.ClaimType.STRING_ARRAY,
                            stringList(cs, e.getKey(), where + ".claims")));
                } else {
                    throw new ConfigException(w + ": expected a string (the claim's value) or an array (values the"
                            + " claim's array must contain one of)");
                }
            }
        }
        List<String> scopes = stringList(node, "scopes", where);
        AuthorizationConfig.JwtSource source = scopes.isEmpty() && claims.isEmpty() ? null
                : new AuthorizationConfig.JwtSource(scopes, List.copyOf(claims));
        String cel = text(node, "cel", where);
        if (cel != null) {
            try {
                dev.mcpgateway.security.CelPolicy.check(cel);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ".cel: " + e.getMessage());
            }
        }
        return new AuthorizationConfig.Rule(source, targets(node, "tools", where, backends),
                action(text(node, "action", where), where + ".action", AuthorizationConfig.Action.ALLOW),
                text(node, "name", where), targets(node, "prompts", where, backends),
                targets(node, "resources", where, backends), cel);
    }

    /** {@code "backend__name"} strings ({@code *} for any part), or {@code {"backend", "name"}} objects. */
    private List<AuthorizationConfig.ToolTarget> targets(JsonNode node, String field, String where,
            List<BackendConfig> backends) throws ConfigException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        String w = where + "." + field;
        if (!v.isArray()) {
            throw new ConfigException(w + ": expected an array of \"backend__name\" or {\"backend\", \"name\"}");
        }
        List<AuthorizationConfig.ToolTarget> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode t = v.get(i);
            String at = w + "[" + i + "]";
            String backend;
            String name;
            if (t.isTextual()) {
                String s = sub(t.asText(), at);
                int sep = s.indexOf("__");
                if (sep <= 0) {
                    throw new ConfigException(at + ": expected \"backend__name\" (the prefixed name), got \"" + s + "\"");
                }
                backend = s.substring(0, sep);
                name = s.substring(sep + 2);
            } else if (t.isObject()) {
                backend = text(t, "backend", at);
                name = text(t, "name", at);
                if (name == null) {
                    name = text(t, "tool", at);
                }
                if (backend == null || name == null) {
                    throw new ConfigException(at + ": expected {\"backend\": ..., \"name\": ...}");
                }
            } else {
                throw new ConfigException(at + ": expected a string or an object");
            }
            String b = backend;
            if (!"*".equals(b) && backends.stream().noneMatch(x -> x.name().equals(b))) {
                throw new ConfigException(at + ": no server named \"" + b + "\" in mcpServers");
            }
            out.add(new AuthorizationConfig.ToolTarget(backend, name));
        }
        return List.copyOf(out);
    }

    private RouteSecurity.UpstreamAuth upstreamAuth(JsonNode node, String where) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(where + ": expected an object with \"type\"");
        }
        known(node, where, "type", "issuer", "tokenEndpoint", "clientId", "clientSecret", "scopes", "audience", "header");
        String type = text(node, "type", where);
        RouteSecurity.UpstreamAuth.Kind kind;
        if (type == null) {
            throw new ConfigException(where + ".type: required: client_credentials, token_exchange or passthrough");
        }
        kind = switch (type.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "client_credentials" -> RouteSecurity.UpstreamAuth.Kind.CLIENT_CREDENTIALS;
            case "token_exchange" -> RouteSecurity.UpstreamAuth.Kind.TOKEN_EXCHANGE;
            case "passthrough" -> RouteSecurity.UpstreamAuth.Kind.PASSTHROUGH;
            default -> throw new ConfigException(where + ".type: expected client_credentials, token_exchange or"
                    + " passthrough, got \"" + type + "\"");
        };
        String issuer = httpUrl(text(node, "issuer", where), where + ".issuer");
        String endpoint = httpUrl(text(node, "tokenEndpoint", where), where + ".tokenEndpoint");
        String clientId = text(node, "clientId", where);
        if (kind != RouteSecurity.UpstreamAuth.Kind.PASSTHROUGH) {
            if (issuer == null && endpoint == null) {
                throw new ConfigException(where + ": needs \"issuer\" or \"tokenEndpoint\"");
            }
            if (clientId == null) {
                throw new ConfigException(where + ".clientId: required for " + type);
            }
        }
        return new RouteSecurity.UpstreamAuth(kind, endpoint, issuer, clientId, text(node, "clientSecret", where),
                stringList(node, "scopes", where), text(node, "audience", where), text(node, "header", where));
    }
}
