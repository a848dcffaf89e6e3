package dev.mcpgateway.upstream;

import dev.mcpgateway.config.BackendConfig;
import io.vertx.core.Vertx;

/** Creates the client for a backend's transport. */
public final class UpstreamClients {

    private UpstreamClients() {
    }

    public static UpstreamClient create(Vertx vertx, BackendConfig backend, UpstreamOptions options) {
        return switch (backend.transport()) {
            case STREAMABLE_HTTP -> new StreamableHttpClient(vertx, backend, options);
            case SSE -> new LegacySseClient(vertx, backend, options);
            case STDIO -> new StdioClient(vertx, backend, options);
            case OPENAPI -> new OpenApiClient(vertx, backend, options);
        };
    }
}
