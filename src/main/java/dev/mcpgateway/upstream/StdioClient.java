package dev.mcpgateway.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.session.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** PLACEHOLDER until the real implementation lands. */
final class StdioClient implements UpstreamClient {
    private final BackendConfig config;

    StdioClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        this.config = config;
    }

    public BackendConfig config() { return config; }
    public Future<UpstreamSession> open(ObjectNode p) { return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "transport not implemented")); }
    public Future<JsonRpcResponse> request(UpstreamSession s, JsonRpcRequest r, UpstreamSink sink) { return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "transport not implemented")); }
    public Future<Void> send(UpstreamSession s, JsonRpcMessage m) { return Future.succeededFuture(); }
    public Future<UpstreamListener> listen(UpstreamSession s, UpstreamSink sink) { return Future.succeededFuture(UpstreamListener.NONE); }
    public Future<Void> close(UpstreamSession s) { return Future.succeededFuture(); }
    public void shutdown() { }
}
