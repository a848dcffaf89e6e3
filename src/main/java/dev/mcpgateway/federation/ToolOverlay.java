package dev.mcpgateway.federation;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.ToolOverride;
import dev.mcpgateway.config.ToolOverrides;

/** Presents an upstream's tool the way its backend's {@code toolOverrides} say. */
final class ToolOverlay {

    private ToolOverlay() {
    }

    /**
     * Rewrites a listed tool in place: the name clients see, and the title, description and
     * annotations the override sets.
     *
     * @return the name clients see, or null when the tool is hidden (another tool's override took
     *         its name)
     */
    static String present(ToolOverrides overrides, String upstreamName, ObjectNode tool) {
        if (overrides.isEmpty()) {
            return upstreamName;
        }
        String shown = overrides.shownName(upstreamName);
        ToolOverride o = overrides.forUpstream(upstreamName);
        if (shown == null || o == null) {
            return shown;
        }
        tool.put("name", shown);
        if (o.title() != null) {
            tool.put("title", o.title());
        }
        if (o.description() != null) {
            tool.put("description", o.description());
        }
        if (!o.annotations().isEmpty()) {
            ObjectNode annotations = tool.get("annotations") instanceof ObjectNode a ? a : tool.putObject("annotations");
            for (Map.Entry<String, Object> e : o.annotations().entrySet()) {
                if (e.getValue() instanceof Boolean b) {
                    annotations.put(e.getKey(), b);
                } else {
                    annotations.put(e.getKey(), String.valueOf(e.getValue()));
                }
            }
        }
        return shown;
    }
}
