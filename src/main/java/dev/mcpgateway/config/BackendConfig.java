package dev.mcpgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One upstream MCP server as configured. {@code url}, {@code headers}, {@code forwardHeaders} and
 * {@code tls} apply to HTTP transports, {@code command}, {@code args}, {@code env} and {@code cwd}
 * to stdio.
 *
 * @param url the upstream endpoint, including any query parameters to send (an API key "in query")
 * @param headers static headers sent with every request to this backend (credentials included)
 * @param timeout how long a request to this backend may take before the client gets an error
 * @param forwardHeaders headers copied from the client's request to this backend's requests
 * @param tls how an {@code https://} upstream's certificate is checked
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
        Duration timeout,
        List<ForwardHeader> forwardHeaders,
        UpstreamTls tls) {

    public BackendConfig {
        forwardHeaders = forwardHeaders == null ? List.of() : List.copyOf(forwardHeaders);
        tls = tls == null ? UpstreamTls.DEFAULT : tls;
    }

    /** A backend that forwards no client headers and checks TLS the default way. */
    public BackendConfig(String name, TransportKind transport, String url, Map<String, String> headers, String command,
            List<String> args, Map<String, String> env, String cwd, ToolFilter tools, Duration timeout) {
        this(name, transport, url, headers, command, args, env, cwd, tools, timeout, List.of(), UpstreamTls.DEFAULT);
    }
}
