package dev.mcpgateway.federation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.session.EventLog;
import dev.mcpgateway.session.GatewaySession;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Requests of 2026-07-28 clients, which cannot be sent server requests: when a backend of an
 * earlier revision asks for sampling, elicitation or roots in the middle of a call, the call is
 * parked (its upstream request stays open on this replica) and the client gets an
 * {@code input_required} result whose input requests are the backend's, under their signed ids.
 * The client's retry carries the answers and the gateway's {@code requestState}; whichever
 * replica receives it hands the answers to the backend and waits for what the parked call does
 * next. What a parked call does next (more requests, or its response) is appended to the event
 * log, so the retry may land on any replica.
 */
@ApplicationScoped
public class InputRequiredBridge {

    private static final Logger LOG = Logger.getLogger(InputRequiredBridge.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String STATE_PREFIX = "mcpgw1.";
    private static final String STREAM_PREFIX = "input.";
    /** Server requests arriving this close together go to the client in one input_required result. */
    private static final long BATCH_MILLIS = 5;
    /** How long a requestState stays valid. */
    private static final long STATE_TTL_MILLIS = 10 * 60_000;

    private final McpRouter router;
    private final EventLog log;
    private final Vertx vertx;

    @Inject
    public InputRequiredBridge(McpRouter router, EventLog log, Vertx vertx) {
        this.router = router;
        this.log = log;
        this.vertx = vertx;
    }

    /**
     * Answers one request of a 2026-07-28 client: its result, an error, or an input_required
     * result. {@code interim} gets the progress and log notifications that belong to it.
     */
    public Future<JsonRpcResponse> call(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            JsonNode clientCapabilities, java.util.function.Consumer<JsonRpcNotification> interim) {
        String shownName = nameOf(request);
        JsonNode state = request.params() == null ? null : request.params().get("requestState");
        if (state != null && state.isTextual() && state.asText().startsWith(STATE_PREFIX)) {
            return resume(route, session, caller, request, shownName, state.asText());
        }
        Parked parked = new Parked(route, session, caller, request, shownName, clientCapabilities, interim);
        return parked.start();
    }

    private static String nameOf(JsonRpcRequest request) {
        String name = request.paramText("name");
        return name != null ? name : request.paramText("uri");
    }

    /** One call of a 2026-07-28 client toward a backend that may ask it for input. */
    private final class Parked {
        final Route route;
        final GatewaySession session;
        final Caller caller;
        final JsonRpcRequest request;
        final String shownName;
        final JsonNode clientCapabilities;
        final java.util.function.Consumer<JsonRpcNotification> interim;
        final String id = UUID.randomUUID().toString();
        final Promise<JsonRpcResponse> first = Promise.promise();
        final Map<String, JsonNode> batch = new LinkedHashMap<>();
        boolean flushScheduled;
        /** Once parked, outcomes go to the log instead of the client. */
        boolean parked;
        Future<?> tail = Future.succeededFuture();
        long seq;

        Parked(Route route, GatewaySession session, Caller caller, JsonRpcRequest request, String shownName,
                JsonNode clientCapabilities, java.util.function.Consumer<JsonRpcNotification> interim) {
            this.route = route;
            this.session = session;
            this.caller = caller;
            this.request = request;
            this.shownName = shownName;
            this.clientCapabilities = clientCapabilities;
            this.interim = interim;
        }

        Future<JsonRpcResponse> start() {
            // Concurrent clients of one principal share the pooled session: ids must not collide upstream.
            JsonRpcRequest upstream = request.withId(TextNode.valueOf("m." + id));
            io.vertx.core.Context context = vertx.getOrCreateContext();
            router.request(route, session, caller, upstream, message -> on(context, () -> onMessage(message)))
                    .onComplete(ar -> on(context, () -> onFinal(ar.succeeded() ? ar.result()
                            : JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.INTERNAL_ERROR,
                                    "Internal error")),
                            ar.failed() ? ar.cause() : null)));
            return first.future();
        }

        /** The call's state is touched on one context only; no hop when already there (the common case). */
        private void on(io.vertx.core.Context context, Runnable r) {
            if (Vertx.currentContext() == context) {
                r.run();
            } else {
                context.runOnContext(v -> r.run());
            }
        }

        private void onMessage(JsonRpcMessage message) {
            switch (message) {
                case JsonRpcRequest r -> onServerRequest(r);
                case JsonRpcNotification n -> {
                    if (!parked) {
                        interim.accept(n);
                    }
                }
                case JsonRpcResponse r -> {
                }
            }
        }

        private void onServerRequest(JsonRpcRequest r) {
            if (McpMethods.PING.equals(r.method())) {
                answer(r.id(), JsonRpcResponse.result(r.id(), JSON.objectNode()));
                return;
            }
            String needed = capabilityFor(r.method());
            if (needed == null || clientCapabilities == null || !clientCapabilities.has(needed)) {
                answer(r.id(), JsonRpcResponse.error(r.id(), new JsonRpcError(ErrorCodes.METHOD_NOT_FOUND,
                        "The client does not support " + r.method())));
                if (!parked && needed != null) {
                    ObjectNode data = JSON.objectNode();
                    data.putObject("requiredCapabilities").putObject(needed);
                    first.tryComplete(JsonRpcResponse.error(request.id(), new JsonRpcError(
                            ErrorCodes.MISSING_CLIENT_CAPABILITY,
                            "Missing required client capability: " + needed, data)));
                }
                return;
            }
            ObjectNode ask = JSON.objectNode();
            ask.put("method", r.method());
            if (r.params() != null) {
                ask.set("params", r.params());
            }
            batch.put(r.id().asText(), ask);
            if (!flushScheduled) {
                flushScheduled = true;
                vertx.setTimer(BATCH_MILLIS, t -> flush());
            }
        }

        private void flush() {
            flushScheduled = false;
            if (batch.isEmpty()) {
                return;
            }
            ObjectNode event = JSON.objectNode();
            event.set("requests", JSON.objectNode().setAll(batch));
            batch.clear();
            boolean firstRound = !parked;
            parked = true;
            String stream = STREAM_PREFIX + id;
            tail = tail.compose(v -> firstRound ? log.open(stream, session.id()) : Future.succeededFuture())
                    .compose(v -> log.append(stream, JsonRpcCodec.writeString(event)))
                    .onSuccess(n -> {
                        seq = n;
                        if (firstRound) {
                            first.tryComplete(inputRequired(request.id(), event.get("requests"),
                                    state(id, n, caller, request.method(), shownName)));
                        }
                    })
                    .onFailure(t -> {
                        LOG.warnf("Parking a call for input failed: %s", t.getMessage());
                        first.tryComplete(JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.INTERNAL_ERROR,
                                "The gateway could not keep the request while it waits for input: retry")));
                    });
        }

        private void onFinal(JsonRpcResponse response, Throwable failure) {
            if (failure != null && !(failure instanceof JsonRpcException)) {
                LOG.debugf("A parked call failed: %s", failure.getMessage());
            }
            if (!parked || first.future().isComplete() && !ModernMeta.inputRequired(first.future().result().result())) {
                // Answered already (refused for a missing capability) or never parked.
                first.tryComplete(failure instanceof JsonRpcException e ? JsonRpcResponse.error(request.id(), e.error())
                        : response.withId(request.id()));
                return;
            }
            ObjectNode event = JSON.objectNode();
            JsonNode json = JsonRpcCodec.toJson(failure instanceof JsonRpcException e
                    ? JsonRpcResponse.error(request.id(), e.error())
                    : response);
            event.set("response", json);
            String stream = STREAM_PREFIX + id;
            tail = tail.compose(v -> log.append(stream, JsonRpcCodec.writeString(event)))
                    .compose(v -> log.complete(stream))
                    .onFailure(t -> LOG.warnf("The outcome of a parked call was lost: %s", t.getMessage()));
        }

        private void answer(JsonNode signedId, JsonRpcResponse answer) {
            router.clientResponse(route, session, caller, answer.withId(signedId))
                    .onFailure(t -> LOG.debugf("Answering %s failed: %s", signedId, t.getMessage()));
        }
    }

    private static String capabilityFor(String method) {
        return switch (method) {
            case McpMethods.SAMPLING_CREATE_MESSAGE -> "sampling";
            case McpMethods.ELICITATION_CREATE -> "elicitation";
            case McpMethods.ROOTS_LIST -> "roots";
            default -> null;
        };
    }

    private static JsonRpcResponse inputRequired(JsonNode id, JsonNode requests, String state) {
        ObjectNode result = JSON.objectNode();
        result.put(ModernMeta.RESULT_TYPE, ModernMeta.INPUT_REQUIRED);
        result.set("inputRequests", requests);
        result.put("requestState", state);
        return JsonRpcResponse.result(id, result);
    }

    // ---- the retry --------------------------------------------------------------------------

    /** What a requestState names, once verified. */
    private record State(String parked, long seq) {
    }

    private String state(String parked, long seq, Caller caller, String method, String name) {
        ObjectNode payload = JSON.objectNode();
        payload.put("p", parked);
        payload.put("s", seq);
        payload.put("x", System.currentTimeMillis() + STATE_TTL_MILLIS);
        String body = Base64.getUrlEncoder().withoutPadding().encodeToString(JsonRpcCodec.writeBytes(payload));
        return STATE_PREFIX + body + "." + router.derive(binding(body, caller, method, name));
    }

    /** The state is bound to who asked, for which method and name: replayed elsewhere it fails. */
    private static String binding(String body, Caller caller, String method, String name) {
        return body + "\0" + caller.principal().name() + "\0" + method + "\0" + (name == null ? "" : name);
    }

    private State verify(String text, Caller caller, String method, String name) {
        String rest = text.substring(STATE_PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0) {
            return null;
        }
        String body = rest.substring(0, dot);
        byte[] expected = router.derive(binding(body, caller, method, name)).getBytes(StandardCharsets.US_ASCII);
        if (!java.security.MessageDigest.isEqual(expected, rest.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            return null;
        }
        try {
            JsonNode payload = JsonRpcCodec.MAPPER.readTree(Base64.getUrlDecoder().decode(body));
            if (payload.path("x").asLong() < System.currentTimeMillis()) {
                return null;
            }
            return new State(payload.path("p").asText(), payload.path("s").asLong());
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }

    private Future<JsonRpcResponse> resume(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            String shownName, String stateText) {
        State state = verify(stateText, caller, request.method(), shownName);
        if (state == null) {
            return Future.succeededFuture(JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.INVALID_PARAMS,
                    "Invalid params: requestState was altered, has expired, or belongs to another request")));
        }
        String stream = STREAM_PREFIX + state.parked();
        return log.readAfter(stream, state.seq() - 1).compose(events -> {
            if (events.isEmpty()) {
                return Future.succeededFuture(JsonRpcResponse.error(request.id(), new JsonRpcError(
                        ErrorCodes.INVALID_PARAMS, "Invalid params: the request this requestState continues has ended;"
                                + " send it again without requestState")));
            }
            JsonNode asked = parse(events.get(0).data()).path("requests");
            JsonNode given = request.params().path("inputResponses");
            ObjectNode missing = JSON.objectNode();
            List<Future<Void>> delivered = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : asked.properties()) {
                JsonNode answer = given.get(e.getKey());
                if (answer == null || !answer.isObject()) {
                    missing.set(e.getKey(), e.getValue());
                    continue;
                }
                delivered.add(router.clientResponse(route, session, caller,
                        JsonRpcResponse.result(TextNode.valueOf(e.getKey()), answer)));
            }
            return Future.join(delivered).transform(ignored -> {
                if (!missing.isEmpty()) {
                    // Ask again for what is still missing; the backend is still waiting for it.
                    return Future.succeededFuture(inputRequired(request.id(), missing, stateText));
                }
                if (events.size() > 1) {
                    return Future.succeededFuture(outcome(route, request, events.get(1), caller, shownName));
                }
                return next(stream, state.seq(), route.config().backends().isEmpty() ? 60_000 : longestTimeout(route))
                        .map(event -> outcome(route, request, event, caller, shownName));
            });
        }).recover(t -> Future.succeededFuture(JsonRpcResponse.error(request.id(),
                new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "The gateway could not continue the request: retry"))));
    }

    private static long longestTimeout(Route route) {
        long longest = 0;
        for (var b : route.config().backends()) {
            longest = Math.max(longest, b.timeout().toMillis());
        }
        return longest;
    }

    /** The first event after {@code seq}, whether it is already there or arrives later. */
    private Future<EventLog.StoredEvent> next(String stream, long seq, long timeoutMillis) {
        Promise<EventLog.StoredEvent> found = Promise.promise();
        AutoCloseable sub = log.subscribe(stream, event -> {
            if (event.seq() > seq) {
                found.tryComplete(event);
            }
        });
        log.readAfter(stream, seq).onSuccess(events -> {
            if (!events.isEmpty()) {
                found.tryComplete(events.get(0));
            }
        });
        long timer = vertx.setTimer(timeoutMillis, t -> found.tryFail("the backend did not go on"));
        return found.future().onComplete(ignored -> {
            vertx.cancelTimer(timer);
            try {
                sub.close();
            } catch (Exception e) {
                LOG.debugf("Closing a subscription failed: %s", e.getMessage());
            }
        });
    }

    private JsonRpcResponse outcome(Route route, JsonRpcRequest request, EventLog.StoredEvent event, Caller caller,
            String shownName) {
        JsonNode parsed = parse(event.data());
        if (parsed.has("requests")) {
            return inputRequired(request.id(), parsed.get("requests"),
                    state(event.streamId().substring(STREAM_PREFIX.length()), event.seq(), caller, request.method(),
                            shownName));
        }
        try {
            if (JsonRpcCodec.decode(parsed.get("response")) instanceof JsonRpcResponse r) {
                return r.withId(request.id());
            }
        } catch (JsonRpcException e) {
            LOG.debugf("Unreadable outcome of a parked call: %s", e.getMessage());
        }
        return JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.INTERNAL_ERROR, "Internal error"));
    }

    private static JsonNode parse(String data) {
        try {
            return JsonRpcCodec.MAPPER.readTree(data);
        } catch (java.io.IOException e) {
            return JSON.objectNode();
        }
    }
}
