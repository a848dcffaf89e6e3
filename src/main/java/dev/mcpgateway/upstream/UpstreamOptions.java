package dev.mcpgateway.upstream;

import java.time.Duration;

/**
 * Connection settings shared by every upstream client.
 *
 * @param maxMessageSize largest message (stdio line, SSE event, response body) accepted from an
 *        upstream, in bytes
 * @param stdioIdleTimeout a per-session or per-principal stdio process unused this long is stopped
 * @param stdioProcesses the stdio processes one replica may run at once, over all backends
 */
public record UpstreamOptions(Duration connectTimeout, Duration idleConnectionTimeout, int maxConnectionsPerBackend,
        Duration stdioRestartMaxBackoff, long maxMessageSize, Duration stdioIdleTimeout, ProcessBudget stdioProcesses) {

    /** Default message bound (4 MiB), idle time (10 min) and process cap (64). */
    public UpstreamOptions(Duration connectTimeout, Duration idleConnectionTimeout, int maxConnectionsPerBackend,
            Duration stdioRestartMaxBackoff) {
        this(connectTimeout, idleConnectionTimeout, maxConnectionsPerBackend, stdioRestartMaxBackoff, 4L * 1024 * 1024,
                Duration.ofMinutes(10), new ProcessBudget(64));
    }
}
