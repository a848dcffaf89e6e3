package dev.mcpgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One rule of a route's {@code rateLimits}: which requests it counts, how many it allows per period,
 * and whose requests share a counter. A route's rules are tried in order; the first that matches a
 * request decides it (see docs/rate-limits.md).
 *
 * @param name the rule's name in errors, metrics and the access log
 * @param match which requests the rule is about
 * @param requests how many requests each counter allows per period (at least 1)
 * @param period the length of a counting window; windows start at multiples of it (epoch time)
 * @param key whose requests share a counter
 */
public record RateLimitRule(String name, Match match, long requests, Duration period, Key key) {

    /** Whose requests share one counter. */
    public enum Key {
        /** Each principal has its own counter. */
        PRINCIPAL,
        /** Each principal has its own counter per tool (prompt, resource). */
        PRINCIPAL_TOOL,
        /** Everyone on the route shares one counter. */
        ROUTE
    }

    /**
     * What a request must be for the rule to count it; every part that is set must hold, an empty
     * part holds for every request.
     *
     * @param methods the MCP methods counted; empty means {@code tools/call}, {@code prompts/get} and
     *        {@code resources/read} (lists are counted only when named here)
     * @param principals principal names (glob patterns, {@code *} for any run of characters)
     * @param claims token claims and accepted values: the claim (a string, or an array of strings)
     *        must have one of them; dots address nested objects
     * @param backends backend names on the route
     * @param tools tool names as the backend lists them (glob patterns)
     * @param prompts prompt names as the backend lists them (glob patterns)
     * @param resources resource URIs as the backend lists them (glob patterns)
     */
    public record Match(List<String> methods, List<Pattern> principals, Map<String, List<String>> claims,
            List<String> backends, List<Pattern> tools, List<Pattern> prompts, List<Pattern> resources) {

        /** The methods a rule counts when it names none: calls, not lists. */
        public static final List<String> CALLS = List.of("tools/call", "prompts/get", "resources/read");

        /** Matches every call. */
        public static final Match ALL = new Match(CALLS, List.of(), Map.of(), List.of(), List.of(), List.of(), List.of());

        /** True when the rule names no tool, prompt or resource: it is about every item. */
        public boolean everyItem() {
            return tools.isEmpty() && prompts.isEmpty() && resources.isEmpty();
        }

        /** The name patterns for one kind of item ({@code tool}, {@code prompt}, {@code resource}). */
        public List<Pattern> items(String kind) {
            return switch (kind) {
                case "prompt" -> prompts;
                case "resource" -> resources;
                default -> tools;
            };
        }
    }
}
