package dev.mcpgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One upstream MCP server as configured. {@code url} and {@code headers} apply to HTTP
 * transports, {@code command}, {@code args}, {@code env} and {@code cwd} to stdio.
 *
 * @param timeout how long a request to this backend may take before the client gets an error
 */
public record BackendConfig(
        String name,
        TransportKind transport,
        String url,
        Map<String, String> headers,
        String command,
        List<String> args,
        Map<String, String> env,
        String cwd,
        ToolFilter tools,
        Duration timeout) {
}
