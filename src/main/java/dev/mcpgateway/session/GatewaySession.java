package dev.mcpgateway.session;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.upstream.UpstreamSession;

/**
 * A client's MCP session at the gateway. Immutable: changes are written back to the
 * {@link SessionStore}, so any replica sees them.
 *
 * @param principal who created it ("" when anonymous); another principal cannot use it
 * @param upstreams the backends that initialized, in route order
 */
public record GatewaySession(
        String id,
        String route,
        String principal,
        String protocolVersion,
        JsonNode clientCapabilities,
        JsonNode clientInfo,
        Map<String, UpstreamSession> upstreams,
        String logLevel,
        long createdAtMillis) {

    public UpstreamSession upstream(String backend) {
        return upstreams.get(backend);
    }

    public List<UpstreamSession> upstreamList() {
        return List.copyOf(upstreams.values());
    }

    public GatewaySession withLogLevel(String level) {
        return new GatewaySession(id, route, principal, protocolVersion, clientCapabilities, clientInfo, upstreams, level,
                createdAtMillis);
    }

    public GatewaySession withUpstreams(Map<String, UpstreamSession> newUpstreams) {
        return new GatewaySession(id, route, principal, protocolVersion, clientCapabilities, clientInfo, newUpstreams, logLevel,
                createdAtMillis);
    }
}
