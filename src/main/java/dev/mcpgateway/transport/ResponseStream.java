package dev.mcpgateway.transport;

import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import dev.mcpgateway.federation.ClientSink;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.GatewayMetrics;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.GatewaySession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * The answer to one POSTed request. A quick answer with nothing before it is plain JSON and never
 * touches the event log. When the upstream sends something first (progress, logs, server
 * requests), or the answer takes longer than {@code streamAfter}, it becomes an event stream whose
 * events are appended to the log before they are written, so a client whose connection drops can
 * resume with {@code Last-Event-ID} and still get the response. The upstream is consumed to the end
 * whether or not the client is still there.
 */
final class ResponseStream implements ClientSink {

    private static final Logger LOG = Logger.getLogger(ResponseStream.class);

    private final RoutingContext ctx;
    private final Context context;
    private final EventLog log;
    private final GatewaySession session;
    private final long retryMillis;
    private final long timer;
    private final GatewayMetrics metrics;
    private final SseWriter writer;
    private String streamId;
    private boolean finished;
    /** Appends and writes happen one after another, in order. */
    private Future<?> tail = Future.succeededFuture();

    ResponseStream(RoutingContext ctx, EventLog log, GatewaySession session, long streamAfterMillis, long retryMillis,
            GatewayMetrics metrics, SseWriters writers) {
        this.metrics = metrics;
        this.writer = writers.open(ctx);
        this.ctx = ctx;
        this.context = ctx.vertx().getOrCreateContext();
        this.log = log;
        this.session = session;
        this.retryMillis = retryMillis;
        this.timer = streamAfterMillis > 0 ? ctx.vertx().setTimer(streamAfterMillis, id -> startStreaming()) : -1;
    }

    @Override
    public void send(JsonRpcMessage message) {
        onContext(() -> {
            if (finished) {
                return;
            }
            startStreaming();
            enqueue(JsonRpcCodec.writeString(JsonRpcCodec.toJson(message)), false);
        });
    }

    /** Sends the response and ends the exchange. */
    void finish(JsonRpcResponse response) {
        onContext(() -> {
            if (finished) {
                return;
            }
            finished = true;
            ctx.vertx().cancelTimer(timer);
            if (streamId == null) {
                McpHttpHandler.writeJson(ctx, 200, JsonRpcCodec.encode(response));
                return;
            }
            enqueue(JsonRpcCodec.writeString(JsonRpcCodec.toJson(response)), true);
        });
    }

    private void startStreaming() {
        if (streamId != null || finished) {
            return;
        }
        streamId = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        String id = streamId;
        tail = tail.compose(v -> log.open(id, session.id()))
                .onFailure(t -> LOG.warnf("Event log unavailable: %s", t.getMessage()));
        if (writer.begin()) {
            if (ProtocolVersions.atLeast(session.protocolVersion(), ProtocolVersions.V2025_11_25)) {
                writer.write(Sse.priming(streamId + ":0", retryMillis));
            } else {
                // Send the head now so the client knows an event stream is coming.
                writer.write(Sse.OPEN_COMMENT);
            }
        }
    }

    private void enqueue(String data, boolean last) {
        String id = streamId;
        tail = tail.compose(v -> log.append(id, data)).transform(ar -> {
            String eventId = ar.succeeded() ? id + ":" + ar.result() : null;
            if (ar.succeeded()) {
                metrics.eventAppended();
            }
            if (ar.failed()) {
                LOG.warnf("Event for stream %s not logged (not resumable): %s", id, ar.cause().getMessage());
            }
            // A stream closed for reading too slowly still logs every event: the client resumes from the log.
            writer.write(eventId != null ? Sse.event(eventId, data) : Buffer.buffer(Sse.event(data)));
            if (last) {
                writer.end();
            }
            return last ? log.complete(id) : Future.succeededFuture();
        });
    }

    private void onContext(Runnable r) {
        if (Context.isOnEventLoopThread() && ctx.vertx().getOrCreateContext() == context) {
            r.run();
        } else {
            context.runOnContext(v -> r.run());
        }
    }
}
