package dev.mcpgateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    private McpServersParser(String file, Function<String, String> env) {
        this.file = file;
        this.substitution = new EnvSubstitution(env);
    }

    public static GatewayModel parse(Path path) throws ConfigException {
        return parse(path, System::getenv);
    }

    public static GatewayModel parse(Path path, Function<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text, env);
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
        return new GatewayModel(file, List.of(new RouteConfig("default", path, prefix, List.copyOf(backends))));
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
        return new BackendConfig(name, kind, url, headers, command, args, env, cwd, filter, timeout);
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
}
