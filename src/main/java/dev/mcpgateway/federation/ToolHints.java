package dev.mcpgateway.federation;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import io.vertx.core.Future;

/**
 * What this replica learned from {@code tools/list} responses of a route's backends: which tools the
 * gateway presents with {@code readOnlyHint: true} and {@code idempotentHint: true} (the upstream's
 * annotations, with a tool override's merged over them), by backend and upstream tool name.
 * Refreshed by every listing that passes through the gateway.
 */
final class ToolHints {

    private final Map<String, Boolean> cacheable = new ConcurrentHashMap<>();
    /** Backends whose whole listing this replica has read for the result cache. */
    private final Set<String> listed = ConcurrentHashMap.newKeySet();
    /** A listing under way per backend, so concurrent first calls read it once. */
    final Map<String, Future<Void>> learning = new ConcurrentHashMap<>();

    /** Records one tool of a backend's listing under the upstream's name of it. */
    void record(String backend, String upstreamName, JsonNode tool) {
        if (upstreamName == null) {
            return;
        }
        JsonNode a = tool.path("annotations");
        // The hints are booleans; anything else ("true" as a string, absent) is not a promise.
        boolean safe = a.path("readOnlyHint").isBoolean() && a.path("readOnlyHint").booleanValue()
                && a.path("idempotentHint").isBoolean() && a.path("idempotentHint").booleanValue();
        cacheable.put(key(backend, upstreamName), safe);
    }

    void listed(String backend) {
        listed.add(backend);
    }

    /** Whether the tool is annotated read-only and idempotent; null when this replica does not know yet. */
    Boolean annotated(String backend, String tool) {
        Boolean known = cacheable.get(key(backend, tool));
        if (known != null) {
            return known;
        }
        return listed.contains(backend) ? Boolean.FALSE : null;
    }

    private static String key(String backend, String tool) {
        return backend + '\0' + tool;
    }
}
