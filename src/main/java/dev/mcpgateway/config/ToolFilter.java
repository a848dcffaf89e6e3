package dev.mcpgateway.config;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which tools of a backend are visible and callable. Exclusion wins over inclusion; with no
 * inclusion rule every tool not excluded is allowed.
 */
public record ToolFilter(Set<String> include, List<Pattern> includeRegex, Set<String> exclude, List<Pattern> excludeRegex) {

    public static final ToolFilter ALLOW_ALL = new ToolFilter(Set.of(), List.of(), Set.of(), List.of());

    public boolean allows(String toolName) {
        if (exclude.contains(toolName) || matchesAny(excludeRegex, toolName)) {
            return false;
        }
        if (include.isEmpty() && includeRegex.isEmpty()) {
            return true;
        }
        return include.contains(toolName) || matchesAny(includeRegex, toolName);
    }

    public boolean allowsAll() {
        return include.isEmpty() && includeRegex.isEmpty() && exclude.isEmpty() && excludeRegex.isEmpty();
    }

    private static boolean matchesAny(List<Pattern> patterns, String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }
}
