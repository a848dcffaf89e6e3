package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.cluster.ReplicaInbox;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.upstream.UpstreamClient;
import dev.mcpgateway.upstream.UpstreamErrors;
import dev.mcpgateway.upstream.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The bridge from a 2026-07-28 upstream to a client of an earlier revision: when the upstream
 * answers {@code input_required}, each input request goes to the client as a server request on its
 * response stream, and once all are answered the original request is sent again with the answers
 * and the upstream's {@code requestState}, until the upstream completes it.
 */
@Singleton
class InputRounds {

    /** Most rounds of input one request may need before the gateway gives up on it. */
    private static final int MAX_ROUNDS = 16;
    static final String INPUT_PREFIX = "input:";
    private static final String LETTER = "input";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RequestIds requestIds;
    private final ReplicaInbox inbox;
    private final UpstreamMessages messages;
    /** Answers to input requests put to a client on this replica, by waiting id. */
    private final Map<String, Promise<JsonNode>> awaited = new ConcurrentHashMap<>();

    @Inject
    InputRounds(RequestIds requestIds, ReplicaInbox inbox, UpstreamMessages messages) {
        this.requestIds = requestIds;
        this.inbox = inbox;
        this.messages = messages;
        inbox.on(LETTER, letter -> {
            if (JsonRpcCodec.decode(letter.get("answer")) instanceof JsonRpcResponse answer) {
                answered(letter.path("input").asText(), inbox.replicaId(), answer);
            }
        });
    }

    /** Asks the client for each input request of {@code interim}, then retries, until the upstream completes. */
    Future<JsonRpcResponse> rounds(Route route, GatewaySession session, UpstreamSession upstream, UpstreamClient client,
            JsonRpcRequest original, JsonRpcResponse interim, ClientSink sink, Map<String, String> extra, int round) {
        if (round > MAX_ROUNDS) {
            return Future.failedFuture(UpstreamErrors.unavailable(upstream.backend(),
                    "it asked for input " + MAX_ROUNDS + " times without completing the request"));
        }
        JsonNode result = interim.result();
        Map<String, Future<JsonNode>> answers = new LinkedHashMap<>();
        String waitId = UUID.randomUUID().toString();
        for (Map.Entry<String, JsonNode> e : result.path("inputRequests").properties()) {
            String key = e.getKey();
            JsonNode ask = e.getValue();
            String local = waitId + "/" + key;
            Promise<JsonNode> answer = Promise.promise();
            awaited.put(local, answer);
            answers.put(key, answer.future().onComplete(ignored -> awaited.remove(local)));
            ObjectNode params = ask.get("params") instanceof ObjectNode p ? p.deepCopy() : JSON.objectNode();
            JsonNode id = requestIds.sign(session.id(), upstream.backend(), "", JSON.textNode(INPUT_PREFIX + local),
                    inbox.replicaId());
            sink.send(new JsonRpcRequest(id, ask.path("method").asText(), params));
        }
        long timeout = client.config().timeout().toMillis();
        return Future.all(new ArrayList<>(answers.values())).timeout(timeout, TimeUnit.MILLISECONDS)
                .recover(t -> {
                    answers.keySet().forEach(key -> awaited.remove(waitId + "/" + key));
                    return Future.failedFuture(t instanceof TimeoutException
                            ? UpstreamErrors.timeout(upstream.backend(), timeout)
                            : t);
                })
                .compose(all -> {
                    ObjectNode params = original.params() == null ? JSON.objectNode() : original.params().deepCopy();
                    ObjectNode responses = params.putObject("inputResponses");
                    answers.forEach((key, f) -> responses.set(key, f.result()));
                    if (result.hasNonNull("requestState")) {
                        params.set("requestState", result.get("requestState"));
                    } else {
                        params.remove("requestState");
                    }
                    // A retry is a new request, with its own id.
                    JsonRpcRequest retry = new JsonRpcRequest(JSON.textNode(original.id().asText() + "#" + round),
                            original.method(), params);
                    return client.request(upstream, retry, messages.toClient(route, session, upstream, sink), extra)
                            .map(r -> r.withId(original.id()));
                })
                .compose(r -> ModernMeta.inputRequired(r.result())
                        ? rounds(route, session, upstream, client, original, r, sink, extra, round + 1)
                        : Future.succeededFuture(r));
    }

    /** An answer to an input request the gateway put to a client; handed to the replica that waits for it. */
    Future<Void> answered(String local, String replica, JsonRpcResponse response) {
        if (!replica.equals(inbox.replicaId())) {
            ObjectNode letter = JSON.objectNode();
            letter.put("input", local);
            letter.set("answer", JsonRpcCodec.toJson(response));
            return inbox.send(replica, LETTER, letter);
        }
        Promise<JsonNode> waiting = awaited.get(local);
        if (waiting == null) {
            return Future.failedFuture(new JsonRpcException(ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: the request that asked for this input has ended"));
        }
        if (response.isError()) {
            waiting.tryFail(
                    new JsonRpcException(new JsonRpcError(response.error().path("code").asInt(ErrorCodes.INTERNAL_ERROR),
                            "The client refused the input request: " + response.error().path("message").asText(""))));
        } else {
            waiting.tryComplete(response.result());
        }
        return Future.succeededFuture();
    }
}
