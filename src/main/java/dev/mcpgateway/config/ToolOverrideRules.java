package dev.mcpgateway.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Reads a backend's {@code toolOverrides} (the same shape in both formats): an object keyed by the
 * upstream tool name, each with optional {@code name}, {@code title}, {@code description} and
 * {@code annotations}; and refuses names that two tools would share.
 */
final class ToolOverrideRules {

    /** What the specification allows in a tool name (2025-11-25: 1 to 128 of these characters). */
    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private static final Set<String> HINTS = Set.of("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint");

    private ToolOverrideRules() {
    }

    static ToolOverrides parse(Node field) throws ConfigException {
        if (!field.present()) {
            return ToolOverrides.NONE;
        }
        if (!field.node().isObject()) {
            throw field.error("expected an object keyed by the upstream's tool names");
        }
        Map<String, ToolOverride> out = new LinkedHashMap<>();
        Map<String, String> shownBy = new HashMap<>();
        for (Map.Entry<String, Node> e : field.entries()) {
            String upstream = e.getKey();
            Node o = e.getValue();
            o.requireObject();
            o.allowOnly("name", "title", "description", "annotations");
            String name = o.field("name").optString(null);
            if (name != null && !TOOL_NAME.matcher(name).matches()) {
                throw o.field("name").error("\"" + name + "\" is not a tool name (1 to 128 of A-Z, a-z, 0-9, _, - and .)");
            }
            ToolOverride override = new ToolOverride(name, o.field("title").optString(null),
                    o.field("description").optString(null), annotations(o.field("annotations")));
            String shown = name != null ? name : upstream;
            String earlier = shownBy.putIfAbsent(shown, upstream);
            if (earlier != null) {
                throw o.error("shows the tool as \"" + shown + "\", which \"" + earlier + "\" already shows; every tool"
                        + " of a backend needs its own name");
            }
            out.put(upstream, override);
        }
        return new ToolOverrides(out);
    }

    /**
     * Without name prefixes, the backends of a route share one namespace: two overrides may not
     * show the same name.
     *
     * @param where the node of a backend's override of an upstream tool, for the message
     */
    static void checkAcrossBackends(List<BackendConfig> backends, boolean prefixed, BiFunction<String, String, Node> where)
            throws ConfigException {
        if (prefixed) {
            return;
        }
        Map<String, String> shownBy = new HashMap<>();
        for (BackendConfig b : backends) {
            for (Map.Entry<String, ToolOverride> e : b.toolOverrides().byUpstream().entrySet()) {
                String shown = e.getValue().name() != null ? e.getValue().name() : e.getKey();
                String earlier = shownBy.putIfAbsent(shown, b.name());
                if (earlier != null && !earlier.equals(b.name())) {
                    throw where.apply(b.name(), e.getKey()).error("shows the tool as \"" + shown + "\", which backend \""
                            + earlier + "\" also shows; without name prefixes every tool of the route needs its own name");
                }
            }
        }
    }

    private static Map<String, Object> annotations(Node a) throws ConfigException {
        if (!a.present()) {
            return Map.of();
        }
        a.requireObject();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : a.entries()) {
            String key = e.getKey();
            Node v = e.getValue();
            if (key.equals("title")) {
                out.put(key, v.string());
            } else if (HINTS.contains(key)) {
                if (!v.present()) {
                    throw v.error("expected true or false");
                }
                out.put(key, v.bool(false));
            } else {
                throw v.error("unknown annotation; expected one of title, readOnlyHint, destructiveHint, idempotentHint,"
                        + " openWorldHint");
            }
        }
        return out;
    }
}
