package dev.mcpgateway.ratelimit;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.RateLimitRule;
import dev.mcpgateway.security.Principal;

/** Which rule of a route counts a request (the first that matches), and the counter it counts in. */
final class RateLimitRules {

    private RateLimitRules() {
    }

    /**
     * The first of {@code rules} that matches, or null.
     *
     * @param kind {@code tool}, {@code prompt} or {@code resource}; null for a list (which has no item)
     * @param name the item's name (a resource's URI) as the backend lists it; null for a list
     */
    static RateLimitRule first(List<RateLimitRule> rules, Principal principal, String method, String backend, String kind,
            String name) {
        for (int i = 0; i < rules.size(); i++) {
            RateLimitRule rule = rules.get(i);
            if (matches(rule.match(), principal, method, backend, kind, name)) {
                return rule;
            }
        }
        return null;
    }

    static boolean matches(RateLimitRule.Match m, Principal principal, String method, String backend, String kind,
            String name) {
        if (!m.methods().contains(method)) {
            return false;
        }
        if (!m.backends().isEmpty() && (backend == null || !m.backends().contains(backend))) {
            return false;
        }
        if (!m.everyItem() && (kind == null || !any(m.items(kind), name))) {
            return false;
        }
        if (!m.principals().isEmpty() && !any(m.principals(), principal.name())) {
            return false;
        }
        for (Map.Entry<String, List<String>> c : m.claims().entrySet()) {
            if (!claimHas(principal.claims(), c.getKey(), c.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean any(List<Pattern> patterns, String value) {
        if (value == null) {
            return false;
        }
        for (int i = 0; i < patterns.size(); i++) {
            if (patterns.get(i).matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the claim (a string, or an array of strings) has one of {@code accepted}. */
    private static boolean claimHas(JsonNode claims, String name, List<String> accepted) {
        JsonNode value = claims == null ? null : claims.get(name);
        if (value == null && claims != null && name.indexOf('.') > 0) {
            value = claims;
            for (String part : name.split("\\.")) {
                value = value == null ? null : value.get(part);
            }
        }
        if (value == null) {
            return false;
        }
        if (value.isTextual()) {
            return accepted.contains(value.asText());
        }
        if (value.isArray()) {
            for (JsonNode v : value) {
                if (v.isTextual() && accepted.contains(v.asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The counter of a request under {@code rule}, without its window: route, rule and, by the rule's
     * key, the principal and the item. Lines separate the parts (no name holds one).
     */
    static String counter(String route, RateLimitRule rule, Principal principal, String backend, String kind, String name) {
        StringBuilder b = new StringBuilder(64).append(route).append('\n').append(rule.name()).append('\n');
        switch (rule.key()) {
            case PRINCIPAL -> b.append(principal.name());
            case PRINCIPAL_TOOL -> b.append(principal.name()).append('\n').append(kind).append('\n').append(backend)
                    .append('\n').append(name);
            case ROUTE -> {
            }
        }
        return b.toString();
    }
}
