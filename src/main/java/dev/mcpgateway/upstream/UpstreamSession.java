package dev.mcpgateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one client session knows about one backend: everything needed to send it a request from any
 * replica.
 *
 * @param sessionId the upstream's {@code Mcp-Session-Id}, or for the legacy SSE transport the POST
 *        endpoint it named; null when the upstream keeps no session
 * @param protocolVersion the revision negotiated with that upstream
 * @param capabilities the upstream's server capabilities
 */
public record UpstreamSession(String backend, String sessionId, String protocolVersion, JsonNode capabilities,
        JsonNode serverInfo) {

    public boolean has(String capability) {
        return capabilities != null && capabilities.hasNonNull(capability);
    }
}
