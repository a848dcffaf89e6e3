package dev.mcpgateway.upstream;

import java.time.Duration;

/** Connection settings shared by every upstream client. */
public record UpstreamOptions(Duration connectTimeout, Duration idleConnectionTimeout, int maxConnectionsPerBackend,
        Duration stdioRestartMaxBackoff) {
}
