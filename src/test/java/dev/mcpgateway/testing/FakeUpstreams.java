package dev.mcpgateway.testing;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/** What the hand-written Streamable HTTP upstreams of the test resources do alike. */
public final class FakeUpstreams {

    private FakeUpstreams() {
    }

    /** Starts {@code server} on a free port of 127.0.0.1 and answers the port. */
    public static int listen(HttpServer server) {
        try {
            return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON-RPC response to request {@code id}: {@code result}, or "Method not found" when it is null. */
    public static JsonObject reply(Object id, JsonObject result) {
        JsonObject reply = new JsonObject().put("jsonrpc", "2.0").put("id", id);
        if (result == null) {
            return reply.put("error", new JsonObject().put("code", -32601).put("message", "Method not found"));
        }
        return reply.put("result", result);
    }

    /** Answers {@code req} with {@code body} as JSON, in session {@code sessionId}. */
    public static void json(HttpServerRequest req, String sessionId, JsonObject body) {
        req.response().putHeader("Content-Type", "application/json").putHeader("Mcp-Session-Id", sessionId)
                .end(body.encode());
    }
}
