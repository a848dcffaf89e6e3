package dev.mcpgateway.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads a backend's {@code cache} object, the same in mcp-servers.json and in an MCPRoute's
 * {@code backendRefs[]}: {@code {"ttl": "30s", "scope": "principal", "tools": [...], "exclude": [...],
 * "toolTtl": {"name": "5s"}}}.
 */
final class ResultCachePolicies {

    /** How long a result is kept when {@code ttl} is absent. */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    static final Duration MIN_TTL = Duration.ofMillis(1);
    static final Duration MAX_TTL = Duration.ofDays(1);

    private static final Map<String, ResultCachePolicy.Scope> SCOPES = scopes();

    private ResultCachePolicies() {
    }

    /** The policy, or null when the field is absent (nothing of the backend is cached). */
    static ResultCachePolicy parse(Node cache) throws ConfigException {
        if (!cache.present()) {
            return null;
        }
        cache.requireObject();
        cache.allowOnly("ttl", "scope", "tools", "exclude", "toolTtl");
        Duration ttl = cache.field("ttl").duration(DEFAULT_TTL, MIN_TTL, MAX_TTL);
        ResultCachePolicy.Scope scope = cache.field("scope").oneOf(SCOPES, ResultCachePolicy.Scope.PRINCIPAL);
        Set<String> tools = names(cache.field("tools"));
        Set<String> exclude = names(cache.field("exclude"));
        for (String t : tools) {
            if (exclude.contains(t)) {
                throw cache.field("exclude").error("\"" + t + "\" is also in \"tools\"; a tool is either cached or not");
            }
        }
        Map<String, Duration> toolTtl = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : cache.field("toolTtl").entries()) {
            toolTtl.put(e.getKey(), e.getValue().duration(null, MIN_TTL, MAX_TTL));
        }
        return new ResultCachePolicy(ttl, scope, tools, exclude, toolTtl);
    }

    private static Set<String> names(Node list) throws ConfigException {
        Set<String> out = new LinkedHashSet<>();
        int i = 0;
        for (String name : list.strings()) {
            if (name.isEmpty()) {
                throw list.index(i).error("expected a tool name, got \"\"");
            }
            out.add(name);
            i++;
        }
        return out;
    }

    private static Map<String, ResultCachePolicy.Scope> scopes() {
        Map<String, ResultCachePolicy.Scope> m = new LinkedHashMap<>();
        m.put("principal", ResultCachePolicy.Scope.PRINCIPAL);
        m.put("shared", ResultCachePolicy.Scope.SHARED);
        return m;
    }
}
