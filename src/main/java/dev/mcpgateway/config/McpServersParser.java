package dev.mcpgateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the {@code mcp-servers.json} format agents use: {@code {"mcpServers": {"NAME": {...}}}}.
 * Every string value goes through {@code ${VAR}} substitution. Errors name the file, the server
 * entry and the field.
 */
public final class McpServersParser {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, StdioIsolation> ISOLATIONS = BackendRules.ordered(
            Map.entry("session", StdioIsolation.SESSION), Map.entry("principal", StdioIsolation.PRINCIPAL),
            Map.entry("shared", StdioIsolation.SHARED));
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

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
        JsonNode json;
        try {
            json = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ConfigException(file + ": invalid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw new ConfigException(file + ": expected a JSON object with \"mcpServers\"");
        }
        Node root = Node.root(file, Node.Style.JSON, substitution, json);
        Node servers = root.field("mcpServers");
        if (!servers.present() || !servers.node().isObject()) {
            throw servers.error("expected an object mapping server names to servers");
        }
        PrefixMode prefix = root.field("prefixMode").oneOf(BackendRules.PREFIX_MODES, PrefixMode.ALWAYS);
        String path = root.field("path").optString("/mcp");
        if (!path.startsWith("/")) {
            throw root.field("path").error("expected a path starting with /, got \"" + path + "\"");
        }
        List<String> names = new ArrayList<>();
        List<BackendConfig> backends = new ArrayList<>();
        Map<String, RouteSecurity.UpstreamAuth> upstreams = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : servers.entries()) {
            String name = e.getKey();
            Node server = e.getValue().at(file + ": server \"" + name + "\"");
            BackendRules.checkName(server, name);
            BackendRules.checkDistinct(server, name, names);
            names.add(name);
            if (!server.node().isObject()) {
                throw server.error("expected an object");
            }
            JsonNode disabled = server.node().get("disabled");
            if (disabled != null && disabled.asBoolean(false)) {
                continue;
            }
            RouteSecurity.UpstreamAuth auth = server.field("auth").present() ? McpServersAuth.upstream(server.field("auth"))
                    : null;
            if (auth != null) {
                upstreams.put(name, auth);
            }
            backends.add(backend(name, server, auth != null && auth.kind() == RouteSecurity.UpstreamAuth.Kind.PASSTHROUGH));
        }
        if (backends.isEmpty()) {
            throw servers.error("no enabled server entries");
        }
        RouteSecurity security = new McpServersAuth(env).route(root.field("auth"), upstreams,
                backends.stream().map(BackendConfig::name).toList());
        if (security.hasUserOAuth() && !security.authenticates()) {
            throw root.field("auth").error("a server with \"auth\": {\"type\": \"user_oauth\"} needs callers who"
                    + " authenticate: add \"oauth\" or \"apiKeys\" (grants are kept per caller)");
        }
        RouteConfig route = new RouteConfig("default", path, prefix, List.copyOf(backends), security)
                .withToolDiscovery(ToolDiscoveries.parse(root.field("toolDiscovery")))
                .withRateLimits(
                        RateLimits.parse(root.field("rateLimits"), backends.stream().map(BackendConfig::name).toList()));
        ToolOverrideRules.checkAcrossBackends(route.backends(), route.prefixed(),
                (backend, tool) -> servers.field(backend).at(file + ": server \"" + backend + "\"").field("toolOverrides")
                        .field(tool));
        return new GatewayModel(file, List.of(route));
    }

    /** @param passthrough the server's {@code auth} is passthrough: it may receive the caller's Authorization */
    private BackendConfig backend(String name, Node server, boolean passthrough) throws ConfigException {
        String url = server.field("url").optString(null);
        String command = server.field("command").optString(null);
        TransportKind kind = transport(server, url, command);
        if (kind == TransportKind.STDIO && command == null) {
            throw server.field("command").error("required for type stdio");
        }
        OpenApiSource openapi = kind == TransportKind.OPENAPI ? OpenApiSources.server(server, file) : null;
        url = openapi != null ? openapi.baseUrl() : url;
        if (kind != TransportKind.STDIO) {
            checkUrl(server.field(openapi != null ? "baseUrl" : "url"), url);
        }
        Node headers = server.field("headers");
        for (Map.Entry<String, Node> h : headers.entries()) {
            HeaderRules.checkStatic(h.getValue(), name, h.getKey());
        }
        List<ForwardHeader> forward = new ArrayList<>();
        for (Node f : server.field("forwardHeaders").list()) {
            String h = f.string();
            HeaderRules.checkForwarded(f, name, h, h, passthrough);
            forward.add(new ForwardHeader(h, h));
        }
        StdioIsolation isolation = stdioOnly(server.field("isolation"), kind).oneOf(ISOLATIONS, StdioIsolation.SESSION);
        Node inherit = stdioOnly(server.field("inheritEnv"), kind);
        List<String> inheritEnv = inherit.strings();
        for (int i = 0; i < inheritEnv.size(); i++) {
            if (!ENV_NAME.matcher(inheritEnv.get(i)).matches()) {
                throw inherit.index(i).error("\"" + inheritEnv.get(i) + "\" is not an environment variable name"
                        + " (letters, digits and _, not starting with a digit)");
            }
        }
        return new BackendConfig(name, kind, url, Map.copyOf(headers.scalars()), command, server.field("args").strings(),
                Map.copyOf(server.field("env").scalars()), server.field("cwd").optString(null), toolFilter(server),
                BackendRules.timeout(server.field("timeout")), List.copyOf(forward), UpstreamTls.DEFAULT, isolation,
                inheritEnv).withToolOverrides(ToolOverrideRules.parse(server.field("toolOverrides")))
                .withResilience(Resiliences.parse(server)).withOpenApi(openapi)
                .withCache(ResultCachePolicies.parse(server.field("cache")));
    }

    private static TransportKind transport(Node server, String url, String command) throws ConfigException {
        Node type = server.field("type").present() ? server.field("type") : server.field("transport");
        if (!type.present() && server.field("openapi").present()) {
            return TransportKind.OPENAPI;
        }
        if (!type.present()) {
            if (url != null && command != null) {
                throw server.error("has both \"url\" and \"command\"; set \"type\" or remove one");
            }
            if (url == null && command == null) {
                throw server.error("needs \"url\" (an HTTP server) or \"command\" (a stdio server)");
            }
            return url != null ? TransportKind.STREAMABLE_HTTP : TransportKind.STDIO;
        }
        String t = type.string();
        return switch (t) {
            case "http", "streamable-http", "streamableHttp", "streamable_http" -> TransportKind.STREAMABLE_HTTP;
            case "sse" -> TransportKind.SSE;
            case "stdio" -> TransportKind.STDIO;
            case "openapi" -> TransportKind.OPENAPI;
            default -> throw type.error("unknown transport \"" + t
                    + "\"; expected one of http, streamable-http, streamableHttp, sse, stdio, openapi");
        };
    }

    private static void checkUrl(Node where, String url) throws ConfigException {
        if (url == null) {
            throw where.error("required for an HTTP server");
        }
        if (!(url.startsWith("http://") || url.startsWith("https://"))) {
            throw where.error("expected an http:// or https:// URL, got \"" + url + "\"");
        }
        try {
            if (URI.create(url).getHost() == null) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException e) {
            throw where.error("not a valid URL: \"" + url + "\"");
        }
    }

    /** Fields that only mean something for a process the gateway starts. */
    private static Node stdioOnly(Node field, TransportKind kind) throws ConfigException {
        if (field.present() && kind != TransportKind.STDIO) {
            throw field.error("only for stdio servers (\"command\", or type stdio)");
        }
        return field;
    }

    private static ToolFilter toolFilter(Node server) throws ConfigException {
        List<String> include = new ArrayList<>();
        boolean any = false;
        for (String field : List.of("tools", "includeTools", "allowedTools")) {
            if (server.field(field).present()) {
                include.addAll(server.field(field).strings());
                any = true;
            }
        }
        List<Pattern> includeRegex = BackendRules.patterns(server.field("includeToolsRegex"), false);
        if (any && include.isEmpty() && includeRegex.isEmpty()) {
            // An explicit empty allow-list allows nothing; say so rather than silently allowing all.
            includeRegex = List.of(Pattern.compile("(?!)"));
        }
        return BackendRules.toolFilter(include, includeRegex, server.field("excludeTools").strings(),
                BackendRules.patterns(server.field("excludeToolsRegex"), false));
    }
}
