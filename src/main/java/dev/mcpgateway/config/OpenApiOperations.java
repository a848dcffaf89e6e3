package dev.mcpgateway.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;

/**
 * Maps the operations of an OpenAPI document to tools (see docs/openapi.md for the rules): the name
 * from {@code operationId}, made safe (else method and path); title and description from
 * {@code summary} and {@code description}; one input property per path, query, header and cookie
 * parameter, and the request body as the property {@code body}; annotations from the method.
 */
final class OpenApiOperations {

    /** Longest tool name made from a document: the gateway's prefix still fits in MCP's 128 characters. */
    static final int MAX_NAME = 64;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> READ_ONLY = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

    private final OpenAPI api;
    private final OpenApiSchemas schemas;

    private OpenApiOperations(OpenAPI api) {
        this.api = api;
        this.schemas = new OpenApiSchemas(api);
    }

    /** Every operation of the document (TRACE excepted), in document order. */
    static List<OpenApiOperation> map(OpenAPI api) {
        return new OpenApiOperations(api).all();
    }

    private List<OpenApiOperation> all() {
        List<OpenApiOperation> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (api.getPaths() == null) {
            return out;
        }
        for (Map.Entry<String, PathItem> p : api.getPaths().entrySet()) {
            PathItem item = p.getValue();
            for (Map.Entry<PathItem.HttpMethod, Operation> o : item.readOperationsMap().entrySet()) {
                if (o.getKey() == PathItem.HttpMethod.TRACE) {
                    continue;
                }
                String method = o.getKey().name();
                String name = unique(toolName(o.getValue().getOperationId(), method, p.getKey()), names);
                names.add(name);
                OpenApiSchemas.Tool tool = schemas.new Tool(true);
                OpenApiOperation op = operation(name, method, p.getKey(), item, o.getValue(), tool);
                if (tool.tooLarge()) {
                    op = operation(name, method, p.getKey(), item, o.getValue(), schemas.new Tool(false));
                }
                out.add(op);
            }
        }
        return out;
    }

    private OpenApiOperation operation(String name, String method, String path, PathItem item, Operation op,
            OpenApiSchemas.Tool tool) {
        ObjectNode properties = JSON.objectNode();
        List<String> required = new ArrayList<>();
        List<OpenApiOperation.Parameter> params = new ArrayList<>();
        for (Parameter p : parameters(item, op)) {
            String in = p.getIn() == null ? "" : p.getIn().toLowerCase(Locale.ROOT);
            if (p.getName() == null || !Set.of("path", "query", "header", "cookie").contains(in)
                    || (in.equals("header") && !headerAllowed(p.getName()))) {
                continue;
            }
            String argument = properties.has(p.getName()) ? in + "_" + p.getName() : p.getName();
            ObjectNode schema = tool.schema(p.getSchema() != null ? p.getSchema() : firstSchema(p.getContent()));
            if (p.getDescription() != null && !p.getDescription().isBlank() && !schema.has("description")) {
                schema.put("description", p.getDescription());
            }
            if (Boolean.TRUE.equals(p.getDeprecated())) {
                schema.put("deprecated", true);
            }
            properties.set(argument, schema);
            boolean isRequired = in.equals("path") || Boolean.TRUE.equals(p.getRequired());
            if (isRequired) {
                required.add(argument);
            }
            boolean form = in.equals("query") || in.equals("cookie");
            String style = p.getStyle() != null ? p.getStyle().toString() : form ? "form" : "simple";
            boolean explode = p.getExplode() != null ? p.getExplode() : style.equals("form");
            params.add(new OpenApiOperation.Parameter(p.getName(), argument, in, style, explode, isRequired));
        }
        OpenApiOperation.Body body = null;
        RequestBody rb = op.getRequestBody();
        if (rb != null && rb.getContent() != null && !rb.getContent().isEmpty()) {
            String argument = properties.has("body") ? "requestBody" : "body";
            Map.Entry<String, MediaType> media = bodyMedia(rb.getContent());
            OpenApiOperation.Body.Kind kind = kind(media.getKey());
            ObjectNode schema = kind == OpenApiOperation.Body.Kind.TEXT ? JSON.objectNode().put("type", "string")
                    : tool.schema(media.getValue() == null ? null : media.getValue().getSchema());
            if (rb.getDescription() != null && !rb.getDescription().isBlank() && !schema.has("description")) {
                schema.put("description", rb.getDescription());
            }
            properties.set(argument, schema);
            boolean isRequired = Boolean.TRUE.equals(rb.getRequired());
            if (isRequired) {
                required.add(argument);
            }
            body = new OpenApiOperation.Body(argument, media.getKey(), kind, isRequired);
        }
        ObjectNode input = JSON.objectNode().put("type", "object");
        input.set("properties", properties);
        if (!required.isEmpty()) {
            required.forEach(input.putArray("required")::add);
        }
        tool.finish(input);
        return new OpenApiOperation(name, method, path, params, body, definition(name, method, path, op, input));
    }

    private static ObjectNode definition(String name, String method, String path, Operation op, ObjectNode input) {
        ObjectNode tool = JSON.objectNode().put("name", name);
        String summary = blankToNull(op.getSummary());
        String description = blankToNull(op.getDescription());
        if (summary != null) {
            tool.put("title", summary);
        }
        String text = summary == null ? description
                : description == null || description.equals(summary) ? summary : summary + "\n\n" + description;
        text = text == null ? method + " " + path : text;
        tool.put("description", Boolean.TRUE.equals(op.getDeprecated()) ? "Deprecated. " + text : text);
        tool.set("inputSchema", input);
        ObjectNode annotations = tool.putObject("annotations");
        if (summary != null) {
            annotations.put("title", summary);
        }
        boolean readOnly = READ_ONLY.contains(method);
        annotations.put("readOnlyHint", readOnly);
        if (!readOnly) {
            // MCP: destructive means "may perform destructive updates"; POST is taken as additive.
            annotations.put("destructiveHint", !method.equals("POST"));
        }
        annotations.put("idempotentHint", IDEMPOTENT.contains(method));
        annotations.put("openWorldHint", true);
        return tool;
    }

    /**
     * OpenAPI: a header parameter named Accept, Content-Type or Authorization "SHALL be ignored";
     * framing headers, the gateway's own and Cookie (cookie parameters make it) are not the
     * arguments' either.
     */
    private static boolean headerAllowed(String name) {
        return !HeaderRules.HOP_BY_HOP.contains(name) && !HeaderRules.GATEWAY_OWNED.contains(name)
                && !name.equalsIgnoreCase("Cookie");
    }

    /** Path-level parameters, overridden by operation-level ones of the same name and location. */
    private List<Parameter> parameters(PathItem item, Operation op) {
        Map<String, Parameter> byKey = new LinkedHashMap<>();
        for (List<Parameter> list : java.util.Arrays.asList(item.getParameters(), op.getParameters())) {
            if (list != null) {
                for (Parameter p : list) {
                    Parameter resolved = resolve(p);
                    byKey.put(resolved.getIn() + "/" + resolved.getName(), resolved);
                }
            }
        }
        return List.copyOf(byKey.values());
    }

    /** A parameter given as a reference to {@code components/parameters}. */
    private Parameter resolve(Parameter p) {
        String ref = p.get$ref();
        if (ref == null || api.getComponents() == null || api.getComponents().getParameters() == null) {
            return p;
        }
        Parameter target = api.getComponents().getParameters().get(ref.substring(ref.lastIndexOf('/') + 1));
        return target == null ? p : target;
    }

    @SuppressWarnings("rawtypes")
    private static io.swagger.v3.oas.models.media.Schema firstSchema(Content content) {
        if (content == null || content.isEmpty()) {
            return null;
        }
        MediaType m = content.values().iterator().next();
        return m == null ? null : m.getSchema();
    }

    /** JSON first, then a form, then whatever the document lists first. */
    private static Map.Entry<String, MediaType> bodyMedia(Content content) {
        Map.Entry<String, MediaType> form = null;
        for (Map.Entry<String, MediaType> e : content.entrySet()) {
            if (kind(e.getKey()) == OpenApiOperation.Body.Kind.JSON) {
                return e;
            }
            if (form == null && kind(e.getKey()) == OpenApiOperation.Body.Kind.FORM) {
                form = e;
            }
        }
        return form != null ? form : content.entrySet().iterator().next();
    }

    static OpenApiOperation.Body.Kind kind(String mediaType) {
        String m = mediaType.toLowerCase(Locale.ROOT);
        int semicolon = m.indexOf(';');
        m = (semicolon >= 0 ? m.substring(0, semicolon) : m).strip();
        if (m.equals("application/json") || m.endsWith("+json") || m.equals("*/*")) {
            return OpenApiOperation.Body.Kind.JSON;
        }
        return m.equals("application/x-www-form-urlencoded") ? OpenApiOperation.Body.Kind.FORM
                : OpenApiOperation.Body.Kind.TEXT;
    }

    /**
     * The tool name for an operation: its {@code operationId} with every run of characters outside
     * {@code A-Z a-z 0-9 _ - .} replaced by {@code _}, and no {@code __} (the gateway's prefix
     * separator); without one, method and path ({@code get_pet_petId}). At most {@link #MAX_NAME}
     * characters.
     */
    static String toolName(String operationId, String method, String path) {
        String raw = operationId != null && !operationId.isBlank() ? operationId
                : method.toLowerCase(Locale.ROOT) + "_" + path;
        String name = raw.replaceAll("[^A-Za-z0-9_.-]+", "_").replaceAll("_{2,}", "_").replaceAll("^_+|_+$", "");
        if (name.isEmpty()) {
            name = method.toLowerCase(Locale.ROOT);
        }
        return name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
    }

    /** {@code name}, or with {@code _2}, {@code _3}, ... when an earlier operation has it. */
    private static String unique(String name, Set<String> taken) {
        if (!taken.contains(name)) {
            return name;
        }
        for (int i = 2;; i++) {
            String suffix = "_" + i;
            String candidate = (name.length() + suffix.length() > MAX_NAME ? name.substring(0, MAX_NAME - suffix.length())
                    : name) + suffix;
            if (!taken.contains(candidate)) {
                return candidate;
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
