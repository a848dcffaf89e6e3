package dev.mcpgateway.upstream;

import java.net.URI;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.OpenApiOperation;
import dev.mcpgateway.config.OpenApiSource;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * A REST API described by an OpenAPI document, served as an MCP server: {@code tools/list} lists
 * one tool per operation (read from the document when the configuration was loaded), and
 * {@code tools/call} sends the operation's HTTP request to the base URL and answers its response as
 * the tool result. There is no upstream session: {@link #open} answers at once, and any replica can
 * serve any call. Requests go through the backend's {@link UpstreamHttp}: its pooled connections,
 * TLS settings, static headers, the caller's extra headers (credentials), its timeout and the
 * response size bound.
 */
final class OpenApiClient implements UpstreamClient {

    /** Tools per {@code tools/list} page. */
    static final int PAGE_SIZE = 100;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String ACCEPT = "application/json, */*;q=0.5";

    private final BackendConfig config;
    private final OpenApiSource api;
    private final UpstreamHttp http;
    private final long timeoutMillis;

    OpenApiClient(Vertx vertx, BackendConfig config, UpstreamOptions options) {
        if (config.openapi() == null) {
            throw new IllegalArgumentException("backend " + config.name() + " of type openapi has no OpenAPI document");
        }
        this.config = config;
        this.api = config.openapi();
        this.http = new UpstreamHttp(vertx, config, options);
        this.timeoutMillis = config.timeout().toMillis();
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public Future<UpstreamSession> open(ObjectNode initializeParams) {
        ObjectNode caps = JSON.objectNode();
        caps.putObject("tools");
        ObjectNode info = JSON.objectNode().put("name", api.title() != null ? api.title() : config.name())
                .put("version", api.version() != null ? api.version() : "0");
        String requested = initializeParams == null ? null : initializeParams.path("protocolVersion").asText(null);
        return Future.succeededFuture(
                new UpstreamSession(config.name(), null, ProtocolVersions.negotiate(requested), caps, info));
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink) {
        return request(session, request, sink, Map.of());
    }

    @Override
    public Future<JsonRpcResponse> request(UpstreamSession session, JsonRpcRequest request, UpstreamSink sink,
            Map<String, String> extra) {
        return switch (request.method()) {
            case McpMethods.TOOLS_LIST -> Future.succeededFuture(list(request));
            case McpMethods.TOOLS_CALL -> call(request, extra);
            case McpMethods.PING -> Future.succeededFuture(JsonRpcResponse.result(request.id(), JSON.objectNode()));
            default -> Future.succeededFuture(JsonRpcResponse.error(request.id(), new JsonRpcError(
                    ErrorCodes.METHOD_NOT_FOUND,
                    "Method not found: " + request.method() + " (an OpenAPI backend has tools only)")));
        };
    }

    /** One page of tools; the cursor is the index of the page's first tool. */
    private JsonRpcResponse list(JsonRpcRequest request) {
        String cursor = request.paramText("cursor");
        int from = 0;
        if (cursor != null) {
            try {
                from = Integer.parseInt(cursor);
            } catch (NumberFormatException e) {
                from = -1;
            }
            if (from < 0 || from > api.operations().size()) {
                return JsonRpcResponse.error(request.id(), new JsonRpcError(ErrorCodes.INVALID_PARAMS, "Invalid cursor"));
            }
        }
        int to = Math.min(api.operations().size(), from + PAGE_SIZE);
        ObjectNode result = JSON.objectNode();
        ArrayNode tools = result.putArray("tools");
        for (OpenApiOperation op : api.operations().subList(from, to)) {
            // A copy: the router renames the tools of the answer it merges.
            tools.add(op.definition().deepCopy());
        }
        if (to < api.operations().size()) {
            result.put("nextCursor", Integer.toString(to));
        }
        return JsonRpcResponse.result(request.id(), result);
    }

    private Future<JsonRpcResponse> call(JsonRpcRequest request, Map<String, String> extra) {
        String name = request.paramText("name");
        OpenApiOperation op = name == null ? null : api.operation(name);
        if (op == null) {
            return Future.succeededFuture(JsonRpcResponse.error(request.id(),
                    new JsonRpcError(ErrorCodes.INVALID_PARAMS, "Unknown tool: " + name)));
        }
        OpenApiCalls.Prepared prepared;
        try {
            prepared = OpenApiCalls.prepare(op, request.params() == null ? null : request.params().get("arguments"));
        } catch (OpenApiCalls.InvalidArguments e) {
            ObjectNode result = JSON.objectNode().put("isError", true);
            result.putArray("content").addObject().put("type", "text").put("text", "Invalid arguments: " + e.getMessage());
            return Future.succeededFuture(JsonRpcResponse.result(request.id(), result));
        }
        String url = api.baseUrl() + prepared.target();
        URI target;
        try {
            target = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(UpstreamErrors.unavailable(config.name(), "not a valid request URL: " + url));
        }
        MultiMap own = MultiMap.caseInsensitiveMultiMap().set(HttpHeaders.ACCEPT, ACCEPT);
        if (prepared.contentType() != null) {
            own.set(HttpHeaders.CONTENT_TYPE, prepared.contentType());
        }
        MultiMap headers = http.headers(extra, own);
        // Arguments come last in authority: never over a configured header or a credential.
        prepared.headers().forEach((h, v) -> {
            if (!headers.contains(h) && (UpstreamHttp.isForwardable(h) || h.equalsIgnoreCase("Cookie"))) {
                headers.set(h, v);
            }
        });
        RequestOptions options = http.request(HttpMethod.valueOf(op.method()), target, headers);
        return http.call(http.requests(), options, timeoutMillis,
                r -> (prepared.body() == null ? r.send() : r.send(prepared.body()))
                        .compose(resp -> http.body(resp).map(body -> JsonRpcResponse.result(request.id(),
                                OpenApiCalls.result(resp.statusCode(), resp.statusMessage(),
                                        resp.getHeader(HttpHeaders.CONTENT_TYPE), body, url)))));
    }

    @Override
    public Future<Void> send(UpstreamSession session, JsonRpcMessage message) {
        // Notifications (initialized, cancelled) have no REST counterpart.
        return Future.succeededFuture();
    }

    @Override
    public Future<UpstreamListener> listen(UpstreamSession session, UpstreamSink sink) {
        return Future.succeededFuture(UpstreamListener.NONE);
    }

    @Override
    public Future<Void> close(UpstreamSession session) {
        return Future.succeededFuture();
    }

    @Override
    public void shutdown() {
        http.shutdown();
    }

}
