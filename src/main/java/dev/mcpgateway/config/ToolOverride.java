package dev.mcpgateway.config;

import java.util.Map;

/**
 * How one upstream tool is presented to clients: under another (unprefixed) name, title or
 * description, with annotations merged over the upstream's. Absent fields keep the upstream's.
 *
 * @param name the name clients see and call instead of the upstream's (before any backend prefix)
 * @param annotations annotation values that replace the upstream's of the same key
 */
public record ToolOverride(String name, String title, String description, Map<String, Object> annotations) {

    public ToolOverride {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
