package dev.mcpgateway.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A backend's tool overrides, looked up both ways: by the upstream's tool name (when listing) and by
 * the name clients see (when calling). A renamed tool is no longer callable by its upstream name, and
 * an upstream tool whose name another tool's override took is hidden.
 */
public final class ToolOverrides {

    /** No overrides: every tool is shown as the upstream lists it. */
    public static final ToolOverrides NONE = new ToolOverrides(Map.of());

    private final Map<String, ToolOverride> byUpstream;
    /** Upstream name of every tool clients see under another name. */
    private final Map<String, String> upstreamByShown;

    /**
     * @param byUpstream overrides keyed by upstream tool name; the names they show must be distinct
     *        (the parsers check it)
     */
    public ToolOverrides(Map<String, ToolOverride> byUpstream) {
        this.byUpstream = Map.copyOf(byUpstream);
        Map<String, String> shown = new HashMap<>();
        for (Map.Entry<String, ToolOverride> e : this.byUpstream.entrySet()) {
            shown.put(shownName(e.getKey(), e.getValue()), e.getKey());
        }
        this.upstreamByShown = Map.copyOf(shown);
    }

    public boolean isEmpty() {
        return byUpstream.isEmpty();
    }

    public Map<String, ToolOverride> byUpstream() {
        return byUpstream;
    }

    /** The override of an upstream tool, or null. */
    public ToolOverride forUpstream(String upstreamName) {
        return byUpstream.get(upstreamName);
    }

    /** The name clients see for an upstream tool, or null when the tool is hidden by another's new name. */
    public String shownName(String upstreamName) {
        ToolOverride o = byUpstream.get(upstreamName);
        if (o != null) {
            return shownName(upstreamName, o);
        }
        return upstreamByShown.containsKey(upstreamName) ? null : upstreamName;
    }

    /** The upstream name of the tool clients call {@code shown}, or null when no tool shows that name. */
    public String upstreamName(String shown) {
        String upstream = upstreamByShown.get(shown);
        if (upstream != null) {
            return upstream;
        }
        // A tool renamed away is not callable by its upstream name.
        return byUpstream.containsKey(shown) ? null : shown;
    }

    private static String shownName(String upstreamName, ToolOverride o) {
        return o.name() != null ? o.name() : upstreamName;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ToolOverrides other && byUpstream.equals(other.byUpstream);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byUpstream);
    }

    @Override
    public String toString() {
        return "ToolOverrides" + byUpstream;
    }
}
