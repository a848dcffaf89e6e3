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
     * @param name the rule's name in logs and metrics; null names it by its position
     * @param prompts prompts the rule is about (a rule with targets of other kinds only does not
     *        match a prompt); empty and {@code tools} empty means every item
     * @param resources resources the rule is about, by the backend's own URI
     * @param cel a CEL expression over the request that must be true for the rule to match, or null
     */
    public record Rule(JwtSource source, List<ToolTarget> tools, Action action, String name, List<ToolTarget> prompts,
            List<ToolTarget> resources, String cel) {

        public Rule {
            tools = tools == null ? List.of() : List.copyOf(tools);
            prompts = prompts == null ? List.of() : List.copyOf(prompts);
            resources = resources == null ? List.of() : List.copyOf(resources);
        }

        /** A rule about tools only (or every item when {@code tools} is empty). */
        public Rule(JwtSource source, List<ToolTarget> tools, Action action) {
            this(source, tools, action, null, List.of(), List.of(), null);
        }

        /** True when the rule names no item, so it is about every tool, prompt and resource. */
        boolean everything() {
            return tools.isEmpty() && prompts.isEmpty() && resources.isEmpty();
        }

        List<ToolTarget> targets(String kind) {
            return switch (kind) {
                case "prompt" -> prompts;
                case "resource" -> resources;
                default -> tools;
            };
        }
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
     * A tool (or prompt, or resource) of one backend, by its upstream (unprefixed) name. Either part
     * may be {@code *}, matching any backend or any name.
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
     * @param rule the deciding rule's name ({@code rule-N} by position when unnamed), or
     *        {@code default}
     */
    public record Decision(boolean allowed, List<String> challengeScopes, String rule) {

        public Decision(boolean allowed, List<String> challengeScopes) {
            this(allowed, challengeScopes, "default");
        }
    }

    /**
     * Decides a call to {@code tool} of {@code backend} by a caller whose token grants
     * {@code scopes} and carries {@code claims} (both empty without a token).
     */
    public Decision evaluate(Set<String> scopes, Map<String, Object> claims, String backend, String tool) {
        return evaluate("tool", scopes, claims, backend, tool, rule -> true);
    }

    /**
     * Decides one item: {@code kind} is {@code tool}, {@code prompt} or {@code resource};
     * {@code condition} says whether a rule's {@link Rule#cel()} expression holds for the request
     * (it is asked only for rules that have one and otherwise match).
     */
    public Decision evaluate(String kind, Set<String> scopes, Map<String, Object> claims, String backend, String name,
            java.util.function.Predicate<Rule> condition) {
        List<String> challenge = List.of();
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            String ruleName = rule.name() != null ? rule.name() : "rule-" + (i + 1);
            if (!rule.everything() && !targets(rule.targets(kind), backend, name)) {
                continue;
            }
            if (rule.source() != null && !claimsSatisfied(claims, rule.source().claims())) {
                continue;
            }
            if (rule.cel() != null && !condition.test(rule)) {
                continue;
            }
            List<String> required = rule.source() == null ? List.of() : rule.source().scopes();
            if (scopes.containsAll(required)) {
                return new Decision(rule.action() == Action.ALLOW, List.of(), ruleName);
            }
            if (rule.action() == Action.ALLOW && (challenge.isEmpty() || required.size() < challenge.size())) {
                challenge = required;
            }
        }
        boolean allowed = defaultAction == Action.ALLOW;
        return new Decision(allowed, allowed ? List.of() : challenge, "default");
    }

    private static boolean targets(List<ToolTarget> tools, String backend, String tool) {
        for (ToolTarget t : tools) {
            if (("*".equals(t.backend()) || t.backend().equals(backend)) && ("*".equals(t.tool()) || t.tool().equals(tool))) {
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
