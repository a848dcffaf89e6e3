package dev.mcpgateway.config;

import java.util.function.Function;

/** Replaces {@code ${VAR}} and {@code ${VAR:-default}} in strings; {@code $${} stays literal. */
final class EnvSubstitution {

    private final Function<String, String> env;

    EnvSubstitution(Function<String, String> env) {
        this.env = env;
    }

    /** @throws IllegalArgumentException naming the variable when one is not set and has no default */
    String apply(String value) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '$' && value.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (c == '$' && value.startsWith("${", i)) {
                int end = value.indexOf('}', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated ${ in \"" + value + "\"");
                }
                String expr = value.substring(i + 2, end);
                String name = expr;
                String fallback = null;
                int dash = expr.indexOf(":-");
                if (dash >= 0) {
                    name = expr.substring(0, dash);
                    fallback = expr.substring(dash + 2);
                }
                String resolved = env.apply(name);
                if (resolved == null || (resolved.isEmpty() && fallback != null)) {
                    if (fallback == null) {
                        throw new IllegalArgumentException("environment variable " + name + " is not set");
                    }
                    resolved = fallback;
                }
                out.append(resolved);
                i = end + 1;
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }
}
