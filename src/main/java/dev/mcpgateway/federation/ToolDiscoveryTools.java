package dev.mcpgateway.federation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.config.ToolDiscovery;
import dev.mcpgateway.discovery.ToolDiscoveryConfig;
import dev.mcpgateway.discovery.ToolIndex;
import dev.mcpgateway.discovery.ToolIndexCache;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcError;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.security.Caller;
import dev.mcpgateway.session.GatewaySession;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Progressive tool discovery: on a route with {@code toolDiscovery: search}, {@code tools/list}
 * shows three gateway tools instead of the catalogue. {@code search_tools} ranks the caller's tools
 * for a query, {@code describe_tool} shows one, {@code call_tool} calls one. Both read the catalogue
 * the way {@code tools/list} would give it to this caller (merged, filtered, authorized, every page),
 * so an index holds exactly what the caller may see and follows every change of the listing;
 * {@code call_tool} is a {@code tools/call} of the real tool with the same id, {@code _meta} and
 * stream, so every rule, credential, progress notification and cancellation applies as to a direct
 * call. A direct {@code tools/call} of a real tool keeps working on such a route.
 */
@Singleton
class ToolDiscoveryTools {

    static final String SEARCH = "search_tools";
    static final String DESCRIBE = "describe_tool";
    static final String CALL = "call_tool";
    private static final Set<String> NAMES = Set.of(SEARCH, DESCRIBE, CALL);
    /** Most pages of the catalogue read for one search; a listing longer than that is cut there. */
    private static final int MAX_PAGES = 50;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Catalog catalog;
    private final NamedRequests named;
    private final GatewayConfig config;
    private final ToolDiscoveryConfig settings;
    private final Vertx vertx;
    private final ToolIndexCache indexes;
    /** The three tools as {@code tools/list} shows them, with this gateway's limits in the schema. */
    private final ArrayNode tools;

    @Inject
    ToolDiscoveryTools(Catalog catalog, NamedRequests named, GatewayConfig config, ToolDiscoveryConfig settings, Vertx vertx,
            MeterRegistry registry) {
        this.catalog = catalog;
        this.named = named;
        this.config = config;
        this.settings = settings;
        this.vertx = vertx;
        this.indexes = new ToolIndexCache(settings.indexCacheSize());
        this.tools = definitions();
        ObjectNode limit = (ObjectNode) tools.get(0).path("inputSchema").path("properties").path("limit");
        limit.put("maximum", settings.maxLimit());
        limit.put("description", "How many tools to return (default " + settings.defaultLimit() + ")");
        Gauge.builder("mcp.gateway.tool.indexes", indexes, ToolIndexCache::size)
                .description("Tool search indexes cached on this replica").register(registry);
        FunctionCounter.builder("mcp.gateway.tool.index.builds", indexes, ToolIndexCache::builds)
                .description("Tool search indexes built (a catalogue seen for the first time, or changed)")
                .register(registry);
    }

    /** Whether the route shows the gateway's three tools instead of its catalogue. */
    boolean searches(Route route) {
        return route.config().toolDiscovery() == ToolDiscovery.SEARCH;
    }

    /** Whether a {@code tools/call} is a call of one of the gateway's tools. */
    boolean handles(Route route, JsonRpcRequest request) {
        return searches(route) && NAMES.contains(request.paramText("name"));
    }

    /** {@code tools/list}: the three gateway tools, the same for every caller. */
    Future<JsonRpcResponse> list(GatewaySession session, JsonRpcRequest request) {
        ObjectNode result = JSON.objectNode();
        result.set("tools", tools.deepCopy());
        if (ProtocolVersions.isModern(session.protocolVersion())) {
            result.put("ttlMs", config.cacheTtl().toMillis());
            result.put("cacheScope", "public");
        }
        return Future.succeededFuture(JsonRpcResponse.result(request.id(), result));
    }

    /** {@code tools/call} of {@code search_tools}, {@code describe_tool} or {@code call_tool}. */
    Future<JsonRpcResponse> call(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ClientSink sink) {
        JsonNode given = request.params().get("arguments");
        ObjectNode arguments = given instanceof ObjectNode o ? o : JSON.objectNode();
        return switch (request.paramText("name")) {
            case SEARCH -> search(route, session, caller, request, arguments);
            case DESCRIBE -> describe(route, session, caller, request, arguments);
            default -> callTool(route, session, caller, request, arguments, sink);
        };
    }

    private Future<JsonRpcResponse> search(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ObjectNode arguments) {
        JsonNode query = arguments.get("query");
        if (query == null || !query.isTextual()) {
            return toolError(request, "\"query\" must be a string: what you want to do, in a few words");
        }
        JsonNode limitArg = arguments.get("limit");
        int limit = settings.defaultLimit();
        if (limitArg != null && !limitArg.isNull()) {
            if (!limitArg.isIntegralNumber() || limitArg.bigIntegerValue().signum() < 1) {
                return toolError(request, "\"limit\" must be a positive integer");
            }
            limit = limitArg.canConvertToInt() ? Math.min(limitArg.asInt(), settings.maxLimit()) : settings.maxLimit();
        }
        int n = limit;
        return index(route, session, caller, request).map(index -> {
            ObjectNode found = JSON.objectNode();
            ArrayNode tools = found.putArray("tools");
            for (ToolIndex.Hit hit : index.search(query.asText(), n, settings.thesaurus())) {
                ObjectNode t = tools.addObject();
                t.put("name", hit.tool().path("name").asText());
                copy(hit.tool(), t, "title");
                copy(hit.tool(), t, "description");
                copy(hit.tool(), t, "inputSchema");
            }
            found.put("totalTools", index.size());
            return structured(request, found);
        });
    }

    private Future<JsonRpcResponse> describe(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ObjectNode arguments) {
        JsonNode name = arguments.get("name");
        if (name == null || !name.isTextual()) {
            return toolError(request, "\"name\" must be a string: a tool name from search_tools");
        }
        return index(route, session, caller, request).map(index -> {
            ObjectNode tool = index.tool(name.asText());
            if (tool == null) {
                return toolResult(request, "Unknown tool: " + name.asText() + ". Use search_tools to find tool names.", true);
            }
            ObjectNode described = JSON.objectNode();
            described.set("tool", tool.deepCopy());
            return structured(request, described);
        });
    }

    /** The real call: a {@code tools/call} with the same id, {@code _meta} and other params, by the real name. */
    private Future<JsonRpcResponse> callTool(Route route, GatewaySession session, Caller caller, JsonRpcRequest request,
            ObjectNode arguments, ClientSink sink) {
        JsonNode name = arguments.get("name");
        if (name == null || !name.isTextual()) {
            return toolError(request, "\"name\" must be a string: a tool name from search_tools");
        }
        JsonNode toolArguments = arguments.get("arguments");
        if (toolArguments != null && !toolArguments.isNull() && !toolArguments.isObject()) {
            return toolError(request, "\"arguments\" must be an object matching the tool's input schema");
        }
        ObjectNode params = request.params().deepCopy();
        params.put("name", name.asText());
        params.remove("arguments");
        if (toolArguments != null && toolArguments.isObject()) {
            params.set("arguments", toolArguments);
        }
        return named.callTool(route, session, caller, request.withParams(params), sink);
    }

    /** The index of the catalogue this caller is listed now: cached by the catalogue's digest. */
    private Future<ToolIndex> index(Route route, GatewaySession session, Caller caller, JsonRpcRequest request) {
        List<ObjectNode> tools = new ArrayList<>();
        return page(route, session, caller, request, null, 0, tools).compose(v -> {
            String fingerprint = ToolIndexCache.fingerprint(tools);
            ToolIndex cached = indexes.get(fingerprint);
            if (cached != null) {
                return Future.succeededFuture(cached);
            }
            // Analysing a few hundred tools is CPU work: off the event loop.
            return vertx.executeBlocking(() -> indexes.getOrBuild(fingerprint, tools, ToolIndex::build), false);
        });
    }

    private Future<Void> page(Route route, GatewaySession session, Caller caller, JsonRpcRequest request, String cursor,
            int n, List<ObjectNode> into) {
        ObjectNode params = JSON.objectNode();
        if (request.params().get("_meta") instanceof ObjectNode meta) {
            // The 2026-07-28 envelope (version, capabilities, client info) goes along; a progress token does not.
            ObjectNode envelope = params.putObject("_meta");
            for (Map.Entry<String, JsonNode> e : meta.properties()) {
                if (e.getKey().startsWith("io.modelcontextprotocol/")) {
                    envelope.set(e.getKey(), e.getValue());
                }
            }
        }
        if (cursor != null) {
            params.put("cursor", cursor);
        }
        JsonRpcRequest list = new JsonRpcRequest(request.id(), McpMethods.TOOLS_LIST, params);
        return catalog.list(route, session, caller, list, Catalog.Kind.TOOLS).compose(r -> {
            if (r.isError()) {
                throw new JsonRpcException(new JsonRpcError(r.error().path("code").asInt(ErrorCodes.INTERNAL_ERROR),
                        r.error().path("message").asText("Internal error")));
            }
            for (JsonNode t : r.result().path("tools")) {
                if (t instanceof ObjectNode o) {
                    into.add(o);
                }
            }
            String next = r.result().path("nextCursor").asText(null);
            return next == null || next.isEmpty() || n + 1 >= MAX_PAGES ? Future.succeededFuture()
                    : page(route, session, caller, request, next, n + 1, into);
        });
    }

    private static void copy(ObjectNode from, ObjectNode to, String field) {
        if (from.hasNonNull(field)) {
            to.set(field, from.get(field).deepCopy());
        }
    }

    /** A tool result with the object as structured content and as JSON text, for clients that read only text. */
    private static JsonRpcResponse structured(JsonRpcRequest request, ObjectNode value) {
        ObjectNode result = JSON.objectNode();
        try {
            result.putArray("content").addObject().put("type", "text").put("text", MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        result.set("structuredContent", value);
        result.put("isError", false);
        return JsonRpcResponse.result(request.id(), result);
    }

    private static JsonRpcResponse toolResult(JsonRpcRequest request, String text, boolean error) {
        ObjectNode result = JSON.objectNode();
        result.putArray("content").addObject().put("type", "text").put("text", text);
        result.put("isError", error);
        return JsonRpcResponse.result(request.id(), result);
    }

    /** Bad arguments to a gateway tool: a tool error the model can read and correct, not a protocol error. */
    private static Future<JsonRpcResponse> toolError(JsonRpcRequest request, String text) {
        return Future.succeededFuture(toolResult(request, text, true));
    }

    private static ArrayNode definitions() {
        try {
            return (ArrayNode) MAPPER.readTree(
                    """
                            [
                              {"name": "search_tools", "title": "Search tools",
                               "description": "Finds the tools available here for a task. Give a short description of what you want to do (for example \\"create a pull request\\" or \\"list calendar events\\"); returns the best matching tools, best first, each with its name, description and input schema. Then call one with call_tool.",
                               "inputSchema": {"type": "object", "properties": {
                                  "query": {"type": "string", "description": "What you want to do, in a few words"},
                                  "limit": {"type": "integer", "minimum": 1}},
                                "required": ["query"]},
                               "outputSchema": {"type": "object", "properties": {
                                  "tools": {"type": "array", "items": {"type": "object"}},
                                  "totalTools": {"type": "integer"}},
                                "required": ["tools"]},
                               "annotations": {"title": "Search tools", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": false}},
                              {"name": "describe_tool", "title": "Describe tool",
                               "description": "Returns the full definition of one tool found with search_tools: description, input schema, output schema and annotations.",
                               "inputSchema": {"type": "object", "properties": {
                                  "name": {"type": "string", "description": "The tool's name, as search_tools returned it"}},
                                "required": ["name"]},
                               "outputSchema": {"type": "object", "properties": {"tool": {"type": "object"}}, "required": ["tool"]},
                               "annotations": {"title": "Describe tool", "readOnlyHint": true, "idempotentHint": true, "openWorldHint": false}},
                              {"name": "call_tool", "title": "Call tool",
                               "description": "Calls a tool found with search_tools and returns its result. Pass the tool's name and its arguments as an object matching the tool's input schema.",
                               "inputSchema": {"type": "object", "properties": {
                                  "name": {"type": "string", "description": "The tool's name, as search_tools returned it"},
                                  "arguments": {"type": "object", "description": "The tool's arguments", "additionalProperties": true}},
                                "required": ["name"]},
                               "annotations": {"title": "Call tool", "readOnlyHint": false, "openWorldHint": true}}
                            ]
                            """);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
