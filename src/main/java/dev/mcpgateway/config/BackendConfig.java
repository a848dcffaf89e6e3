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
 * @param isolation which client sessions share one process of a stdio backend
 * @param inheritEnv names of the gateway's environment variables a stdio process also receives
 *        (beyond the minimal set and its own {@code env})
 * @param toolOverrides how tools are presented, by upstream tool name
 * @param cache which tool results are cached (null: none)
 * @param resilience circuit breaking, concurrency bound and failure mode
 * @param openapi the REST API behind a backend of transport {@code openapi} (null otherwise)
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
        UpstreamTls tls,
        StdioIsolation isolation,
        List<String> inheritEnv,
        ToolOverrides toolOverrides,
        ResultCachePolicy cache,
        Resilience resilience,
        OpenApiSource openapi) {

    public BackendConfig {
        forwardHeaders = forwardHeaders == null ? List.of() : List.copyOf(forwardHeaders);
        tls = tls == null ? UpstreamTls.DEFAULT : tls;
        isolation = isolation == null ? StdioIsolation.SESSION : isolation;
        inheritEnv = inheritEnv == null ? List.of() : List.copyOf(inheritEnv);
        toolOverrides = toolOverrides == null ? ToolOverrides.NONE : toolOverrides;
        resilience = resilience == null ? Resilience.DEFAULT : resilience;
    }

    /** A backend without overrides, cache, resilience settings or OpenAPI document. */
    public BackendConfig(String name, TransportKind transport, String url, Map<String, String> headers, String command,
            List<String> args, Map<String, String> env, String cwd, ToolFilter tools, Duration timeout,
            List<ForwardHeader> forwardHeaders, UpstreamTls tls, StdioIsolation isolation, List<String> inheritEnv) {
        this(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls, isolation,
                inheritEnv, null, null, null, null);
    }

    /** A backend with the default process isolation and no inherited environment. */
    public BackendConfig(String name, TransportKind transport, String url, Map<String, String> headers, String command,
            List<String> args, Map<String, String> env, String cwd, ToolFilter tools, Duration timeout,
            List<ForwardHeader> forwardHeaders, UpstreamTls tls) {
        this(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls, null, null);
    }

    /** The same backend with another process isolation. */
    public BackendConfig withIsolation(StdioIsolation newIsolation) {
        return new BackendConfig(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls,
                newIsolation, inheritEnv, toolOverrides, cache, resilience, openapi);
    }

    /** The same backend with other tool overrides. */
    public BackendConfig withToolOverrides(ToolOverrides newOverrides) {
        return new BackendConfig(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls,
                isolation, inheritEnv, newOverrides, cache, resilience, openapi);
    }

    /** The same backend with another result cache policy. */
    public BackendConfig withCache(ResultCachePolicy newCache) {
        return new BackendConfig(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls,
                isolation, inheritEnv, toolOverrides, newCache, resilience, openapi);
    }

    /** The same backend with other resilience settings. */
    public BackendConfig withResilience(Resilience newResilience) {
        return new BackendConfig(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls,
                isolation, inheritEnv, toolOverrides, cache, newResilience, openapi);
    }

    /** The same backend serving a REST API described by an OpenAPI document. */
    public BackendConfig withOpenApi(OpenApiSource newOpenapi) {
        return new BackendConfig(name, transport, url, headers, command, args, env, cwd, tools, timeout, forwardHeaders, tls,
                isolation, inheritEnv, toolOverrides, cache, resilience, newOpenapi);
    }

    /** A backend that forwards no client headers and checks TLS the default way. */
    public BackendConfig(String name, TransportKind transport, String url, Map<String, String> headers, String command,
            List<String> args, Map<String, String> env, String cwd, ToolFilter tools, Duration timeout) {
        this(name, transport, url, headers, command, args, env, cwd, tools, timeout, List.of(), UpstreamTls.DEFAULT);
    }
}
