package dev.mcpgateway.transport;

import java.util.concurrent.ThreadLocalRandom;

import dev.mcpgateway.federation.ClientSink;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The answer to one POSTed request. Stays a plain JSON response unless something must reach the
 * client before the response (progress, logs, server requests); then it turns into an event
 * stream and ends after the response event.
 */
final class ResponseStream implements ClientSink {

    private final RoutingContext ctx;
    private final String streamId;
    private long seq;
    private boolean streaming;

    ResponseStream(RoutingContext ctx) {
        this.ctx = ctx;
        this.streamId = Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public void send(JsonRpcMessage message) {
        ctx.vertx().runOnContext(v -> write(message));
    }

    private void write(JsonRpcMessage message) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (!streaming) {
            streaming = true;
            resp.setStatusCode(200)
                    .setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        }
        resp.write(event(message));
    }

    private Buffer event(JsonRpcMessage message) {
        Buffer b = Buffer.buffer(256);
        b.appendString("id: ").appendString(streamId).appendString(":").appendString(Long.toString(++seq));
        b.appendString("\nevent: message\ndata: ");
        b.appendBytes(JsonRpcCodec.encode(message));
        b.appendString("\n\n");
        return b;
    }

    /** Sends the response and ends the exchange. */
    void finish(JsonRpcResponse response) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        if (streaming) {
            resp.end(event(response));
        } else {
            McpHttpHandler.writeJson(ctx, 200, JsonRpcCodec.encode(response));
        }
    }
}
