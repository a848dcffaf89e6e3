package dev.mcpgateway.security;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.config.RouteConfig;
import io.vertx.core.MultiMap;

/**
 * Decides per tool, prompt and resource. The router asks while merging lists (denied items
 * vanish) and before forwarding a call (denied calls are refused).
 */
public interface ToolAuthorizer {

    /** What a decision says; {@code scopes} are the ones that would allow it (for a 403 step-up). */
    record Decision(boolean allowed, String rule, List<String> scopes) {
        public static final Decision ALLOW = new Decision(true, "default", List.of());
    }

    /**
     * @param kind "tool", "prompt" or "resource"
     * @param name the backend's own name (or URI) of the item
     * @param arguments the call's arguments; null while listing
     */
    Decision decide(RouteConfig route, Principal principal, String method, String backend, String kind, String name,
            JsonNode arguments, MultiMap headers);
}
