package dev.mcpgateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What every backend of a route obeys, whichever file format it comes from: its name, how its tools
 * are filtered, how long a request may take.
 */
final class BackendRules {

    /** How long a request to a backend may take when the file does not say. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /**
     * The shortest timeout: the upstream clients time requests in whole milliseconds, and a timer
     * below 1 ms is refused by Vert.x while an HTTP timeout of 0 means none at all.
     */
    static final Duration MIN_TIMEOUT = Duration.ofMillis(1);

    /**
     * The longest timeout: one day. No client waits longer for one answer, and every request
     * holds its session's resources until then; the bound also keeps the clients' millisecond
     * arithmetic far from overflowing.
     */
    static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    /** {@code prefixMode} values as both formats write them. */
    static final Map<String, PrefixMode> PREFIX_MODES = ordered(Map.entry("always", PrefixMode.ALWAYS),
            Map.entry("conditional", PrefixMode.CONDITIONAL), Map.entry("never", PrefixMode.NEVER));

    /** Backend names become name prefixes and URI authorities, so keep them to a safe alphabet. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private BackendRules() {
    }

    /**
     * Refuses a backend name that could not be told apart from another one in a prefixed name.
     * Clients see {@code <backend>__<name>}, which the gateway splits on the first {@code __}. A
     * name that begins with a letter or digit, does not end with {@code _} and contains no
     * {@code __} is always recovered whole, so no two distinct backends can produce the same
     * prefixed name:
     * <ul>
     * <li>a {@code __} starting inside the backend name {@code b} would have both its characters in
     * {@code b} (excluded: no {@code __}) or start at the last character of {@code b} (excluded:
     * {@code b} does not end with {@code _});</li>
     * <li>so the first {@code __} of {@code b + "__" + n} starts right after {@code b}, whatever
     * {@code n} is, and splitting returns exactly {@code (b, n)};</li>
     * <li>hence {@code b1__n1 = b2__n2} implies {@code b1 = b2} and {@code n1 = n2}.</li>
     * </ul>
     * With {@code ev} and {@code ev_}, {@code ev___x} split to {@code (ev, _x)}: the second rule is
     * what was missing. The leading character never ends a name before the separator, but the
     * alphabet keeps names usable as URI hosts ({@code mcpgw://<backend>/...}), so a leading
     * {@code _} is refused too.
     */
    static void checkName(Node where, String name) throws ConfigException {
        if (!NAME.matcher(name).matches() || name.endsWith("_") || name.contains("__")) {
            throw where.error("\"" + name + "\" must match [A-Za-z0-9][A-Za-z0-9_.-]*, not end with \"_\" and not"
                    + " contain \"__\" (names are listed as <backend>__<name> and split on the first \"__\")");
        }
    }

    /**
     * Refuses a name already used by an earlier backend of the route, also when only the case
     * differs: resource URIs carry the name as a host ({@code mcpgw://<backend>/...}), and hosts
     * compare case-insensitively (RFC 3986 section 3.2.2), so a client normalising the URI would
     * reach the other backend.
     */
    static void checkDistinct(Node where, String name, Collection<String> earlier) throws ConfigException {
        for (String other : earlier) {
            if (other.equals(name)) {
                throw where.error("\"" + name + "\" appears twice; backend names must be unique in a route");
            }
            if (other.equalsIgnoreCase(name)) {
                throw where.error("\"" + name + "\" differs from \"" + other + "\" only in case; resource URIs carry"
                        + " backend names as case-insensitive hosts (mcpgw://<backend>/...), so rename one");
            }
        }
    }

    /** The filter for the given lists; {@link ToolFilter#ALLOW_ALL} when every list is empty. */
    static ToolFilter toolFilter(Collection<String> include, List<Pattern> includeRegex, Collection<String> exclude,
            List<Pattern> excludeRegex) {
        if (include.isEmpty() && includeRegex.isEmpty() && exclude.isEmpty() && excludeRegex.isEmpty()) {
            return ToolFilter.ALLOW_ALL;
        }
        return new ToolFilter(Set.copyOf(new LinkedHashSet<>(include)), List.copyOf(includeRegex),
                Set.copyOf(new LinkedHashSet<>(exclude)), List.copyOf(excludeRegex));
    }

    /**
     * The regular expressions of a list.
     *
     * @param anywhere match anywhere in a name (Go's {@code MatchString}, as MCPRoute does) rather
     *        than the whole name
     */
    static List<Pattern> patterns(Node list, boolean anywhere) throws ConfigException {
        List<Pattern> out = new ArrayList<>();
        for (Node item : list.list()) {
            String r = item.string();
            try {
                Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                throw item.error("invalid regular expression \"" + r + "\": " + e.getDescription());
            }
            out.add(Pattern.compile(anywhere ? "(?s).*(?:" + r + ").*" : r));
        }
        return List.copyOf(out);
    }

    /**
     * A backend's {@code timeout} ({@link #DEFAULT_TIMEOUT} when absent): seconds, or a duration
     * such as {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code PT30S}; from
     * {@link #MIN_TIMEOUT} to {@link #MAX_TIMEOUT}.
     */
    static Duration timeout(Node t) throws ConfigException {
        return t.duration(DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT);
    }

    /** An insertion-ordered map of choices, for messages that list them as written. */
    @SafeVarargs
    static <T> Map<String, T> ordered(Map.Entry<String, T>... choices) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, T> c : choices) {
            out.put(c.getKey(), c.getValue());
        }
        return Collections.unmodifiableMap(out);
    }
}
