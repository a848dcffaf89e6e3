package dev.mcpgateway.federation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ForwardHeader;
import dev.mcpgateway.config.ResultCacheConfig;
import dev.mcpgateway.config.ResultCachePolicy;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.metrics.ResultCacheMetrics;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.session.GatewaySession;
import dev.mcpgateway.session.ResultStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The tool result cache: a {@code tools/call} of a backend with a {@code cache} policy, to a tool the
 * upstream annotates read-only and idempotent (or that the policy names), is answered from the
 * {@link ResultStore} when an entry lives under its key, else forwarded and its result kept for the
 * policy's ttl. The key is a SHA-256 of the route, backend (name and where it is), upstream tool name, canonical arguments
 * (keys sorted at every depth), the values of the client headers the backend receives, and, for scope
 * principal, the caller's principal. Only plain, complete, successful results are kept: never
 * errors, {@code isError} results, task results, {@code input_required} rounds, nor a result the
 * upstream produced after asking the client something (sampling, elicitation, roots).
 */
@Singleton
class ResultCache {

    private static final Logger LOG = Logger.getLogger(ResultCache.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Most pages read from a backend to learn its tools' annotations. */
    private static final int MAX_HINT_PAGES = 20;

    private final ResultStore store;
    private final ResultCacheMetrics metrics;
    private final Forwarder forwarder;
    private final long maxEntryChars;

    @Inject
    ResultCache(ResultStore store, ResultCacheMetrics metrics, Forwarder forwarder, ResultCacheConfig config) {
        this.store = store;
        this.metrics = metrics;
        this.forwarder = forwarder;
        this.maxEntryChars = config.maxEntrySize().asLongValue();
        store.onEviction(metrics::evicted);
    }

    /**
     * Records the annotations of one tool as the gateway presents it (an override's annotations
     * merged over the upstream's), under the upstream's name of the tool.
     */
    static void listed(Route route, String backend, String upstreamName, JsonNode tool) {
        route.toolHints.record(backend, upstreamName, tool);
    }

    /**
     * Answers a {@code tools/call} already resolved, filtered and authorized, from the cache when it
     * may; {@code forward} sends it to the backend with the sink it is given.
     *
     * @param tool the upstream's name of the tool
     */
    Future<JsonRpcResponse> call(Route route, GatewaySession session, Caller caller, String backend, String tool,
            JsonRpcRequest request, ClientSink sink, Function<ClientSink, Future<JsonRpcResponse>> forward) {
        BackendConfig config = route.config().backend(backend);
        ResultCachePolicy policy = config == null ? null : config.cache();
        if (policy == null || !plainCall(request)) {
            return forward.apply(sink);
        }
        return ttl(route, session, caller, backend, tool, policy).compose(ttl -> {
            if (ttl == null) {
                return forward.apply(sink);
            }
            String key = key(route, config, tool, policy, caller, request);
            return store.get(key).otherwise(t -> {
                LOG.debugf("Result cache unavailable for %s, calling the backend: %s", backend, t.getMessage());
                return null;
            }).compose(entry -> {
                JsonNode result = entry == null ? null : parse(entry.value());
                if (result != null) {
                    metrics.hit(backend);
                    return Future.succeededFuture(hinted(session, policy, request, result,
                            entry.remainingMillis(System.currentTimeMillis())));
                }
                metrics.miss(backend);
                AskWatch watch = new AskWatch(sink);
                return forward.apply(watch).compose(r -> keep(session, backend, policy, ttl, key, request, r, watch));
            });
        });
    }

    /** A stored result, or null (a miss) for one that is not JSON: written by something else. */
    private static JsonNode parse(String value) {
        try {
            return JsonRpcCodec.parseTree(value.getBytes(StandardCharsets.UTF_8));
        } catch (JsonRpcException e) {
            LOG.debugf("A stored result is not JSON; calling the backend");
            return null;
        }
    }

    /** A first call, not a task nor a retry carrying input responses (those depend on what the client gave). */
    private static boolean plainCall(JsonRpcRequest request) {
        ObjectNode p = request.params();
        return p != null && !p.has("task") && !p.has("inputResponses") && !p.has("requestState");
    }

    /** The ttl of this tool's results, or null when they are not cached. */
    private Future<Duration> ttl(Route route, GatewaySession session, Caller caller, String backend, String tool,
            ResultCachePolicy policy) {
        if (policy.named(tool)) {
            return Future.succeededFuture(policy.ttlFor(tool, true));
        }
        if (policy.exclude().contains(tool)) {
            return Future.succeededFuture();
        }
        Boolean annotated = route.toolHints.annotated(backend, tool);
        if (annotated != null) {
            return Future.succeededFuture(policy.ttlFor(tool, annotated));
        }
        // Not listed through this replica yet: read the backend's listing once, as Catalog does for owners.
        return learn(route, session, caller, backend).map(v -> {
            Boolean now = route.toolHints.annotated(backend, tool);
            return policy.ttlFor(tool, now != null && now);
        });
    }

    private Future<Void> learn(Route route, GatewaySession session, Caller caller, String backend) {
        ToolHints hints = route.toolHints;
        Promise<Void> mine = Promise.promise();
        Future<Void> running = hints.learning.putIfAbsent(backend, mine.future());
        if (running == null) {
            running = mine.future();
            // Once, even when the listing fails: later listings through the catalogue still teach the hints.
            learnPage(route, session, caller, backend, null, 0).onComplete(ar -> {
                hints.listed(backend);
                hints.learning.remove(backend, mine.future());
                mine.handle(ar);
            });
        }
        return running.otherwise(t -> {
            LOG.debugf("Could not list %s's tools for the result cache: %s", backend, t.getMessage());
            return null;
        });
    }

    private Future<Void> learnPage(Route route, GatewaySession session, Caller caller, String backend, String cursor,
            int page) {
        ObjectNode params = JSON.objectNode();
        if (cursor != null) {
            params.put("cursor", cursor);
        }
        JsonRpcRequest list = new JsonRpcRequest(JSON.textNode("cache-hints-" + page), McpMethods.TOOLS_LIST, params);
        return forwarder.forward(route, session, caller, backend, list, ClientSink.DISCARD).compose(r -> {
            if (r.isError() || r.result() == null) {
                return Future.failedFuture(new IllegalStateException("tools/list failed: " + r.error()));
            }
            BackendConfig config = route.config().backend(backend);
            for (JsonNode t : r.result().path("tools")) {
                String upstreamName = t.path("name").asText(null);
                if (t instanceof ObjectNode o && upstreamName != null && config != null) {
                    // The annotations as a listing through the catalogue would present them.
                    ToolOverlay.present(config.toolOverrides(), upstreamName, o);
                    route.toolHints.record(backend, upstreamName, o);
                }
            }
            String next = r.result().path("nextCursor").asText(null);
            return next == null || next.isEmpty() || page + 1 >= MAX_HINT_PAGES ? Future.succeededFuture()
                    : learnPage(route, session, caller, backend, next, page + 1);
        });
    }

    /** Keeps a result that may be kept (waiting for the store, so the next call on any replica finds it). */
    private Future<JsonRpcResponse> keep(GatewaySession session, String backend, ResultCachePolicy policy, Duration ttl,
            String key, JsonRpcRequest request, JsonRpcResponse r, AskWatch watch) {
        if (r.isError() || !(r.result() instanceof ObjectNode result) || watch.asked || !cacheable(result)) {
            return Future.succeededFuture(r);
        }
        String value = JsonRpcCodec.writeString(result);
        if (value.length() > maxEntryChars) {
            return Future.succeededFuture(r);
        }
        return store.put(key, backend, value, ttl).otherwise(t -> {
            LOG.debugf("Could not keep a result of %s: %s", backend, t.getMessage());
            return null;
        }).map(v -> hinted(session, policy, request, result, ttl.toMillis()));
    }

    private static boolean cacheable(ObjectNode result) {
        return !result.path("isError").asBoolean(false) && !result.has("task") && !ModernMeta.inputRequired(result);
    }

    /**
     * The result for this request. A 2026-07-28 client learns how long it may reuse it: {@code ttlMs}
     * is the entry's remaining life and {@code cacheScope} says whether it is shared across
     * authorization contexts, as the caching utility defines them for cacheable results.
     */
    private static JsonRpcResponse hinted(GatewaySession session, ResultCachePolicy policy, JsonRpcRequest request,
            JsonNode result, long remainingMillis) {
        if (result instanceof ObjectNode o && ProtocolVersions.isModern(session.protocolVersion())) {
            long ttl = remainingMillis;
            if (o.path("ttlMs").canConvertToLong() && o.path("ttlMs").asLong() >= 0) {
                ttl = Math.min(ttl, o.path("ttlMs").asLong());
            }
            o.put("ttlMs", ttl);
            o.put("cacheScope", policy.scope() == ResultCachePolicy.Scope.SHARED
                    && !"private".equals(o.path("cacheScope").asText()) ? "public" : "private");
        }
        return JsonRpcResponse.result(request.id(), result);
    }

    /** The entry's key: what makes two calls the same call. */
    static String key(Route route, BackendConfig backend, String tool, ResultCachePolicy policy, Caller caller,
            JsonRpcRequest request) {
        StringBuilder sb = new StringBuilder("v1");
        List<JsonNode> parts = new ArrayList<>();
        parts.add(JSON.textNode(route.name()));
        parts.add(JSON.textNode(backend.name()));
        // A reload that points the backend elsewhere does not inherit the old upstream's answers.
        parts.add(JSON.textNode(backend.url() != null ? backend.url() : backend.command() + " " + backend.args()));
        parts.add(JSON.textNode(tool));
        parts.add(policy.scope() == ResultCachePolicy.Scope.PRINCIPAL ? JSON.textNode(caller.principal().name())
                : JSON.nullNode());
        // Headers the backend receives from the client may change its answer.
        ObjectNode forwarded = JSON.objectNode();
        for (ForwardHeader h : backend.forwardHeaders()) {
            forwarded.put(h.name().toLowerCase(java.util.Locale.ROOT), String.join("\n", caller.headers().getAll(h.name())));
        }
        parts.add(forwarded);
        JsonNode args = request.params().get("arguments");
        parts.add(args == null ? JSON.objectNode() : args);
        for (JsonNode p : parts) {
            sb.append(',');
            canonical(p, sb);
        }
        return "result:" + sha256(sb.toString());
    }

    /** JSON with object keys sorted at every depth; scalars as Jackson writes them. */
    static void canonical(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), e.getValue());
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(JSON.textNode(e.getKey()).toString()).append(':');
                canonical(e.getValue(), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                canonical(node.get(i), out);
            }
            out.append(']');
        } else {
            out.append(node.toString());
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Passes messages on and notes whether the upstream asked the client something during the call. */
    private static final class AskWatch implements ClientSink {
        private final ClientSink sink;
        private volatile boolean asked;

        AskWatch(ClientSink sink) {
            this.sink = sink;
        }

        @Override
        public void send(JsonRpcMessage message) {
            asked |= message instanceof JsonRpcRequest;
            sink.send(message);
        }

        @Override
        public void send(JsonRpcMessage message, String backend, String upstreamEventId) {
            asked |= message instanceof JsonRpcRequest;
            sink.send(message, backend, upstreamEventId);
        }
    }
}
