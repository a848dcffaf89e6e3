package dev.mcpgateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;

/**
 * One upstream event stream, read over as many connections as it takes: it keeps the upstream's
 * last event id and {@code retry} delay across them, decodes each {@code message} event as
 * JSON-RPC, and bounds every line and event by the backend's message size. When to reconnect is the
 * caller's choice; {@link #lastEventId()} is what to resume from.
 */
final class ResumableEventStream {

    private static final Logger LOG = Logger.getLogger(ResumableEventStream.class);
    static final long DEFAULT_RETRY_MILLIS = 1000;

    private final UpstreamHttp http;
    private final Consumer<JsonRpcMessage> messages;
    private volatile String lastEventId;
    private volatile long retryMillis = DEFAULT_RETRY_MILLIS;
    private volatile HttpClientRequest current;

    ResumableEventStream(UpstreamHttp http, String lastEventId, Consumer<JsonRpcMessage> messages) {
        this.http = http;
        this.lastEventId = lastEventId;
        this.messages = messages;
    }

    /** Whether a response is an event stream (anything else is an answer or a refusal). */
    static boolean isEventStream(HttpClientResponse response) {
        String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
        return response.statusCode() == 200 && type != null && type.startsWith("text/event-stream");
    }

    /**
     * Opens a connection of the stream: sends the request (with {@code body}, or none) and answers
     * the response once its headers have arrived, within {@code millis}; only the headers have a
     * deadline, since the body lives as long as the stream. A response that is no event stream is
     * answered with its body read (bounded) within the same deadline, for the caller to judge by its
     * status.
     */
    Future<HttpClientResponse> open(RequestOptions request, Buffer body, long millis) {
        return http.call(http.streams(), request, millis, r -> {
            current = r;
            return (body == null ? r.send() : r.send(body)).compose(
                    resp -> isEventStream(resp) ? Future.succeededFuture(resp) : http.body(resp).map(ignored -> resp));
        });
    }

    /**
     * Reads a response's events until it ends. Succeeds when the upstream ended the stream, fails
     * with the transport's error when the connection dropped (both worth resuming), and with a
     * {@link JsonRpcException} when the stream must not be resumed: a line or event past the size
     * bound, after which the connection is reset.
     */
    Future<Void> read(HttpClientResponse response) {
        Promise<Void> ended = Promise.promise();
        current = response.request();
        SseParser parser = http.parser(this::onEvent);
        response.handler(chunk -> {
            if (ended.future().isComplete()) {
                return;
            }
            try {
                parser.feed(chunk);
            } catch (SseParser.LimitExceeded e) {
                ended.tryFail(http.tooLarge(e.what()));
                response.request().reset();
            }
        });
        response.exceptionHandler(ended::tryFail);
        response.endHandler(v -> ended.tryComplete());
        return ended.future();
    }

    private void onEvent(SseParser.Event event) {
        if (event.id() != null) {
            lastEventId = event.id();
        }
        if (event.retry() != null) {
            retryMillis = event.retry();
        }
        if (!"message".equals(event.event()) || event.data().isEmpty()) {
            return;
        }
        JsonRpcMessage message;
        try {
            message = JsonRpcCodec.decode(JsonRpcCodec.parseTree(event.data().getBytes(StandardCharsets.UTF_8)));
        } catch (JsonRpcException e) {
            LOG.debugf("Backend %s sent an event that is not JSON-RPC: %s", http.backend(), e.getMessage());
            return;
        }
        messages.accept(message);
    }

    /** The upstream's id of the last event received; null while it gave none. */
    String lastEventId() {
        return lastEventId;
    }

    /** How long the upstream asked to wait before reconnecting. */
    long retryMillis() {
        return retryMillis;
    }

    /** Closes the current connection, if any. */
    void close() {
        HttpClientRequest r = current;
        if (r != null) {
            r.reset();
        }
    }
}
