package dev.mcpgateway.transport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** Writes server-sent events. */
final class Sse {

    /** An SSE comment: sends the head without an event (an empty chunk would end the body). */
    static final String OPEN_COMMENT = ":\n\n";

    private Sse() {
    }

    static void begin(HttpServerResponse resp) {
        resp.setStatusCode(200)
                .setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("X-Accel-Buffering", "no");
    }

    /** One message event without an id (not resumable); {@code data} is a single-line JSON document. */
    static String event(String data) {
        return "event: message\ndata: " + data + "\n\n";
    }

    /** One message event; {@code data} is a single-line JSON document. */
    static Buffer event(String id, String data) {
        Buffer b = Buffer.buffer(data.length() + 48);
        b.appendString("id: ").appendString(id).appendString("\nevent: message\ndata: ").appendString(data)
                .appendString("\n\n");
        return b;
    }

    /**
     * The priming event of 2025-11-25: an id and empty data, so the client can reconnect with
     * {@code Last-Event-ID} even before the first real event; plus the suggested retry delay.
     */
    static Buffer priming(String id, long retryMillis) {
        return Buffer.buffer("id: " + id + "\nretry: " + retryMillis + "\ndata: \n\n");
    }
}
