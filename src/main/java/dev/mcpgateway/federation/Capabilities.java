package dev.mcpgateway.federation;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.upstream.UpstreamSession;

/** The server capabilities the gateway announces: what its backends offer, together. */
final class Capabilities {

    private Capabilities() {
    }

    /**
     * The union of the backends' capabilities: a feature is offered when any backend offers it, and
     * a flag ({@code listChanged}, {@code subscribe}) is set when any backend sets it.
     */
    static ObjectNode merge(Iterable<UpstreamSession> upstreams) {
        ObjectNode caps = JsonNodeFactory.instance.objectNode();
        for (UpstreamSession u : upstreams) {
            JsonNode c = u.capabilities();
            if (c == null) {
                continue;
            }
            for (String simple : List.of("tools", "prompts")) {
                if (c.hasNonNull(simple)) {
                    orFlag(child(caps, simple), c.get(simple), "listChanged");
                }
            }
            if (c.hasNonNull("resources")) {
                ObjectNode mine = child(caps, "resources");
                orFlag(mine, c.get("resources"), "listChanged");
                orFlag(mine, c.get("resources"), "subscribe");
            }
            for (String deep : List.of("tasks", "experimental", "extensions")) {
                if (c.get(deep) instanceof ObjectNode theirs) {
                    child(caps, deep).setAll(theirs.deepCopy());
                }
            }
            for (String simple : List.of("logging", "completions")) {
                if (c.hasNonNull(simple) && !caps.has(simple)) {
                    caps.putObject(simple);
                }
            }
        }
        return caps;
    }

    private static ObjectNode child(ObjectNode caps, String name) {
        return caps.get(name) instanceof ObjectNode o ? o : caps.putObject(name);
    }

    private static void orFlag(ObjectNode mine, JsonNode theirs, String flag) {
        if (theirs.path(flag).asBoolean(false)) {
            mine.put(flag, true);
        }
    }
}
