package dev.mcpgateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a route's {@code rateLimits} (mcp-servers.json top level, MCPRoute {@code spec.rateLimits}):
 * <pre>
 * [{"name": "per-user", "match": {"tools": ["search*"]}, "limit": {"requests": 100, "period": "1m"},
 *   "key": "principal"}]
 * </pre>
 */
public final class RateLimits {

    /** The methods a rule may count; the first three when it names none. */
    public static final List<String> METHODS = List.of("tools/call", "prompts/get", "resources/read", "tools/list",
            "prompts/list", "resources/list", "resources/templates/list");
    private static final Map<String, RateLimitRule.Key> KEYS = BackendRules.ordered(
            Map.entry("principal", RateLimitRule.Key.PRINCIPAL),
            Map.entry("principal_tool", RateLimitRule.Key.PRINCIPAL_TOOL), Map.entry("route", RateLimitRule.Key.ROUTE));
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Duration MIN_PERIOD = Duration.ofSeconds(1);
    private static final Duration MAX_PERIOD = Duration.ofDays(1);

    private RateLimits() {
    }

    /** The rules in {@code field} (absent: none); {@code backends} are the route's backend names. */
    static List<RateLimitRule> parse(Node field, Collection<String> backends) throws ConfigException {
        List<RateLimitRule> rules = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Node r : field.list()) {
            r.requireObject();
            r.allowOnly("name", "match", "limit", "key");
            String name = r.field("name").optString("rule-" + (rules.size() + 1));
            if (!NAME.matcher(name).matches()) {
                throw r.field("name").error("expected letters, digits, '.', '_' or '-', got \"" + name + "\"");
            }
            if (!names.add(name)) {
                throw r.field("name").error("\"" + name + "\" names an earlier rule too; give each rule its own name");
            }
            Node limit = r.field("limit");
            limit.requireObject();
            limit.allowOnly("requests", "period");
            long requests = requests(limit.field("requests"));
            Duration period = limit.field("period").duration(null, MIN_PERIOD, MAX_PERIOD);
            if (period == null) {
                throw limit.field("period").error("required (e.g. \"1m\")");
            }
            if (period.toMillis() % 1000 != 0) {
                throw limit.field("period").error("expected whole seconds");
            }
            RateLimitRule.Key key = r.field("key").oneOf(KEYS, RateLimitRule.Key.PRINCIPAL);
            rules.add(new RateLimitRule(name, match(r.field("match"), backends), requests, period, key));
        }
        return List.copyOf(rules);
    }

    private static long requests(Node n) throws ConfigException {
        if (!n.present()) {
            throw n.error("required (a whole number of requests, at least 1)");
        }
        String text = n.node().isTextual() ? n.string().trim() : n.node().isIntegralNumber() ? n.node().asText() : null;
        try {
            long v = text == null ? 0 : Long.parseLong(text);
            if (v >= 1 && v <= 1_000_000_000L) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw n.error("expected a whole number of requests from 1 to 1000000000, got " + n.node());
    }

    private static RateLimitRule.Match match(Node m, Collection<String> backends) throws ConfigException {
        if (!m.present()) {
            return RateLimitRule.Match.ALL;
        }
        m.requireObject();
        m.allowOnly("methods", "principals", "claims", "backends", "tools", "prompts", "resources");
        List<String> methods = m.field("methods").strings();
        for (int i = 0; i < methods.size(); i++) {
            if (!METHODS.contains(methods.get(i))) {
                throw m.field("methods").index(i)
                        .error("expected one of " + String.join(", ", METHODS) + ", got \"" + methods.get(i) + "\"");
            }
        }
        List<String> backendNames = m.field("backends").strings();
        for (int i = 0; i < backendNames.size(); i++) {
            if (!backends.contains(backendNames.get(i))) {
                throw m.field("backends").index(i)
                        .error("no backend \"" + backendNames.get(i) + "\" on this route; expected one of "
                                + String.join(", ", backends));
            }
        }
        Map<String, List<String>> claims = new LinkedHashMap<>();
        for (Map.Entry<String, Node> c : m.field("claims").entries()) {
            Node v = c.getValue();
            List<String> values = v.present() && v.node().isArray() ? v.strings() : List.of(v.string());
            if (values.isEmpty()) {
                throw v.error("expected at least one accepted value");
            }
            claims.put(c.getKey(), values);
        }
        return new RateLimitRule.Match(methods.isEmpty() ? RateLimitRule.Match.CALLS : methods, globs(m.field("principals")),
                Map.copyOf(claims), backendNames, globs(m.field("tools")), globs(m.field("prompts")),
                globs(m.field("resources")));
    }

    /** Glob patterns: {@code *} is any run of characters, everything else is literal. */
    private static List<Pattern> globs(Node list) throws ConfigException {
        List<Pattern> out = new ArrayList<>();
        for (String g : list.strings()) {
            out.add(glob(g));
        }
        return List.copyOf(out);
    }

    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        int start = 0;
        for (int i = glob.indexOf('*'); i >= 0; i = glob.indexOf('*', start)) {
            if (i > start) {
                re.append(Pattern.quote(glob.substring(start, i)));
            }
            re.append(".*");
            start = i + 1;
        }
        if (start < glob.length()) {
            re.append(Pattern.quote(glob.substring(start)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
