package dev.mcpgateway.config;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tools a caller may call (MCPRoute {@code securityPolicy.authorization}). Rules are tried in
 * order and the first that matches decides; when none matches, {@code defaultAction} decides.
 *
 * @param defaultAction the decision when no rule matches
 * @param rules the rules, in order
 */
public record AuthorizationConfig(Action defaultAction, List<Rule> rules) {

    /** A decision. */
    public enum Action {
        ALLOW,
        DENY
    }

    /**
     * One rule. It matches a call when the call's tool is among {@code tools} (or {@code tools} is
     * empty) and the caller's token satisfies {@code source} (or {@code source} is null).
     *
     * @param source what the caller's token must carry, or null for any caller
     * @param tools the tools the rule is about; empty means every tool
     * @param action the decision when the rule matches
     */
    public record Rule(JwtSource source, List<ToolTarget> tools, Action action) {
    }

    /**
     * Requirements on the caller's token. Scopes and claims are ANDed.
     *
     * @param scopes every one of these must be granted ({@code scope} or {@code scp} claim)
     * @param claims every one of these claims must be present with an accepted value
     */
    public record JwtSource(List<String> scopes, List<JwtClaim> claims) {
    }

    /**
     * A token claim and its accepted values.
     *
     * @param name the claim name; dots address nested objects ({@code org.departments})
     * @param valueType whether the claim is a string or an array of strings
     * @param values accepted values: the string must be one of them, or the array must contain one
     */
    public record JwtClaim(String name, ClaimType valueType, List<String> values) {
    }

    /** The JSON type a claim must have. */
    public enum ClaimType {
        STRING,
        STRING_ARRAY
    }

    /**
     * A tool of one backend, by its upstream (unprefixed) name.
     *
     * @param backend the backend's name on the route
     * @param tool the tool's name as the backend lists it
     */
    public record ToolTarget(String backend, String tool) {
    }

    /**
     * The outcome for one call.
     *
     * @param allowed whether the call may proceed
     * @param challengeScopes when denied: the fewest scopes that a matching Allow rule asked for and
     *        the token lacked (for {@code WWW-Authenticate: Bearer error="insufficient_scope",
     *        scope="..."}); empty when more scopes would not help
     */
    public record Decision(boolean allowed, List<String> challengeScopes) {
    }

    /**
     * Decides a call to {@code tool} of {@code backend} by a caller whose token grants
     * {@code scopes} and carries {@code claims} (both empty without a token).
     */
    public Decision evaluate(Set<String> scopes, Map<String, Object> claims, String backend, String tool) {
        List<String> challenge = List.of();
        for (Rule rule : rules) {
            if (!rule.tools().isEmpty() && !targets(rule.tools(), backend, tool)) {
                continue;
            }
            if (rule.source() == null) {
                return new Decision(rule.action() == Action.ALLOW, List.of());
            }
            if (!claimsSatisfied(claims, rule.source().claims())) {
                continue;
            }
            List<String> required = rule.source().scopes();
            if (scopes.containsAll(required)) {
                return new Decision(rule.action() == Action.ALLOW, List.of());
            }
            if (rule.action() == Action.ALLOW && (challenge.isEmpty() || required.size() < challenge.size())) {
                challenge = required;
            }
        }
        boolean allowed = defaultAction == Action.ALLOW;
        return new Decision(allowed, allowed ? List.of() : challenge);
    }

    private static boolean targets(List<ToolTarget> tools, String backend, String tool) {
        for (ToolTarget t : tools) {
            if (t.backend().equals(backend) && t.tool().equals(tool)) {
                return true;
            }
        }
        return false;
    }

    private static boolean claimsSatisfied(Map<String, Object> claims, List<JwtClaim> required) {
        for (JwtClaim c : required) {
            Object value = lookup(claims, c.name());
            boolean ok = switch (c.valueType()) {
                case STRING -> value instanceof String s && c.values().contains(s);
                case STRING_ARRAY -> value instanceof Collection<?> list
                        && list.stream().anyMatch(v -> v instanceof String s && c.values().contains(s));
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The claim itself when present under its full name, else the dotted path into nested objects. */
    private static Object lookup(Map<String, Object> claims, String name) {
        if (claims.containsKey(name)) {
            return claims.get(name);
        }
        Object current = claims;
        for (String part : name.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }
}
