package dev.mcpgateway.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import io.vertx.core.Future;

/**
 * Talks to one backend over one transport. It knows upstream sessions, never client sessions.
 * Failures end the returned futures with a {@link dev.mcpgateway.jsonrpc.JsonRpcException} whose
 * message names the backend; every request has a timeout.
 */
public interface UpstreamClient {

    BackendConfig config();

    default String name() {
        return config().name();
    }

    /**
     * Opens an upstream session: {@code initialize} with these params, then
     * {@code notifications/initialized}.
     */
    Future<UpstreamSession> open(ObjectNode initializeParams);

    /** Sends a request and answers its response; anything the upstream sends first goes to the sink. */
    Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink);

    /** Sends a notification, or a response to a server-to-client request. */
    Future<Void> send(UpstreamSession session, JsonRpcMessage message);

    /**
     * Opens the upstream's stream of messages that belong to no request (list changes, resource
     * updates, log messages, server requests): the GET stream for Streamable HTTP, the event stream
     * for legacy SSE, unsolicited lines for stdio. Messages go to the sink until the handle is closed.
     * An upstream that offers no such stream answers a handle that does nothing.
     */
    Future<UpstreamListener> listen(UpstreamSession session, UpstreamSink sink);

    /**
     * Like {@link #listen(UpstreamSession, UpstreamSink)}, resuming after the upstream's event
     * {@code lastEventId} (from a listener another replica held) where the transport can.
     */
    default Future<UpstreamListener> listen(UpstreamSession session, String lastEventId, UpstreamSink sink) {
        return listen(session, sink);
    }

    // ---- the same, with headers a caller's credentials add for this one request ------------------

    /** {@link #open(ObjectNode)} with extra headers (e.g. a token obtained for the caller). */
    default Future<UpstreamSession> open(ObjectNode initializeParams, java.util.Map<String, String> extraHeaders) {
        return open(initializeParams);
    }

    /**
     * {@link #open(ObjectNode, java.util.Map)} for one owner: a client that shares processes or
     * connections among sessions keeps each owner's traffic apart by it.
     */
    default Future<UpstreamSession> open(ObjectNode initializeParams, java.util.Map<String, String> extraHeaders,
            UpstreamOwner owner) {
        return open(initializeParams, extraHeaders);
    }

    /** {@link #request(UpstreamSession, JsonRpcRequest, UpstreamSink)} with extra headers. */
    default Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink,
            java.util.Map<String, String> extraHeaders) {
        return request(session, request, sink);
    }

    /** {@link #send(UpstreamSession, JsonRpcMessage)} with extra headers. */
    default Future<Void> send(UpstreamSession session, JsonRpcMessage message, java.util.Map<String, String> extraHeaders) {
        return send(session, message);
    }

    /** {@link #listen(UpstreamSession, String, UpstreamSink)} with extra headers. */
    default Future<UpstreamListener> listen(UpstreamSession session, String lastEventId, UpstreamSink sink,
            java.util.Map<String, String> extraHeaders) {
        return listen(session, lastEventId, sink);
    }

    /**
     * Like {@link #listen}, naming the resources whose updates the caller wants: a 2026-07-28
     * upstream sends only what a subscription asks for. Earlier upstreams send what was subscribed
     * in their session.
     */
    default Future<UpstreamListener> listenFor(UpstreamSession session, java.util.List<String> resourceUris, UpstreamSink sink,
            java.util.Map<String, String> extraHeaders) {
        return listen(session, null, sink, extraHeaders);
    }

    /** Ends the upstream session (best effort; never fails). */
    Future<Void> close(UpstreamSession session);

    /** Releases connections and processes when the gateway stops or the backend is removed. */
    void shutdown();
}
