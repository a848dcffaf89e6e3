package dev.mcpgateway.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.Schema;

/**
 * OpenAPI schemas as the JSON Schemas of tool inputs. References to {@code components/schemas}
 * are inlined, so a client sees each argument's whole shape; a schema that refers to itself (a
 * tree) is kept once under {@code $defs} and referred to there. A tool whose inlined schema would
 * pass {@link #MAX_INLINED_NODES} keeps every referenced schema under {@code $defs} instead. OpenAPI
 * 3.0 keywords that JSON Schema lacks are rewritten ({@code nullable}, {@code example}, boolean
 * {@code exclusiveMinimum}) or dropped ({@code xml}, {@code discriminator}, {@code externalDocs},
 * extensions).
 */
final class OpenApiSchemas {

    /** Beyond this many JSON nodes in one tool's input schema, references stay references. */
    static final int MAX_INLINED_NODES = 20_000;
    private static final String COMPONENT_PREFIX = "#/components/schemas/";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> DROPPED = Set.of("xml", "discriminator", "externalDocs", "exampleSetFlag",
            "nullable", "example", "$schema", "$id");

    private final ObjectMapper mapper;
    private final boolean v30;
    private final Map<String, JsonNode> components = new LinkedHashMap<>();

    @SuppressWarnings("rawtypes")
    OpenApiSchemas(OpenAPI api) {
        this.v30 = api.getSpecVersion() != SpecVersion.V31;
        this.mapper = v30 ? Json.mapper() : Json31.mapper();
        if (api.getComponents() != null && api.getComponents().getSchemas() != null) {
            for (Map.Entry<String, Schema> e : api.getComponents().getSchemas().entrySet()) {
                components.put(e.getKey(), clean(mapper.valueToTree(e.getValue())));
            }
        }
    }

    /** One tool's input schema being built: the references it keeps under {@code $defs}. */
    final class Tool {
        private final boolean inline;
        private final Map<String, JsonNode> defs = new LinkedHashMap<>();
        private final Set<String> wanted = new LinkedHashSet<>();
        private int nodes;

        Tool(boolean inline) {
            this.inline = inline;
        }

        /** A schema with its references resolved; null stays an empty (any) schema. */
        @SuppressWarnings("rawtypes")
        ObjectNode schema(Schema schema) {
            if (schema == null) {
                return JSON.objectNode();
            }
            JsonNode resolved = resolve(clean(mapper.valueToTree(schema)), new ArrayDeque<>());
            return resolved.isObject() ? (ObjectNode) resolved : JSON.objectNode();
        }

        /** Whether inlining passed the bound: build the tool again with {@code inline} false. */
        boolean tooLarge() {
            return inline && nodes > MAX_INLINED_NODES;
        }

        /** Adds {@code $defs} to the tool's input schema when references were kept. */
        void finish(ObjectNode inputSchema) {
            while (!wanted.isEmpty()) {
                String name = wanted.iterator().next();
                wanted.remove(name);
                if (!defs.containsKey(name)) {
                    defs.put(name, JSON.nullNode());
                    Deque<String> stack = new ArrayDeque<>();
                    stack.push(name);
                    defs.put(name, resolve(components.get(name).deepCopy(), stack));
                }
            }
            if (!defs.isEmpty()) {
                inputSchema.putObject("$defs").setAll(defs);
            }
        }

        private JsonNode resolve(JsonNode node, Deque<String> stack) {
            nodes++;
            if (node.isArray()) {
                ArrayNode out = JSON.arrayNode();
                node.forEach(n -> out.add(resolve(n, stack)));
                return out;
            }
            if (!node.isObject()) {
                return node;
            }
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                String target = ref.asText();
                String name = target.startsWith(COMPONENT_PREFIX) ? target.substring(COMPONENT_PREFIX.length()) : null;
                if (name == null || !components.containsKey(name)) {
                    // Not a schema of this document: accept anything rather than point nowhere.
                    return JSON.objectNode();
                }
                if (!inline || stack.contains(name)) {
                    wanted.add(name);
                    return JSON.objectNode().put("$ref", "#/$defs/" + name);
                }
                stack.push(name);
                JsonNode inlined = resolve(components.get(name), stack);
                stack.pop();
                return inlined.deepCopy();
            }
            ObjectNode out = JSON.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                boolean schemaMap = f.getKey().equals("properties") || f.getKey().equals("patternProperties")
                        || f.getKey().equals("$defs") || f.getKey().equals("definitions");
                if (schemaMap && f.getValue().isObject()) {
                    ObjectNode map = out.putObject(f.getKey());
                    f.getValue().fields().forEachRemaining(p -> map.set(p.getKey(), resolve(p.getValue(), stack)));
                } else {
                    out.set(f.getKey(), resolve(f.getValue(), stack));
                }
            }
            return out;
        }
    }

    /**
     * A schema as JSON Schema: OpenAPI 3.0's keywords rewritten, OpenAPI-only ones dropped, in
     * every nested schema. Property names are kept whatever they are.
     */
    private JsonNode clean(JsonNode node) {
        if (node.isArray()) {
            ArrayNode out = JSON.arrayNode();
            node.forEach(n -> out.add(clean(n)));
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        ObjectNode out = JSON.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String key = f.getKey();
            if (DROPPED.contains(key) || key.startsWith("x-")) {
                continue;
            }
            if ((key.equals("properties") || key.equals("patternProperties")) && f.getValue().isObject()) {
                ObjectNode map = out.putObject(key);
                f.getValue().fields().forEachRemaining(p -> map.set(p.getKey(), clean(p.getValue())));
            } else if (!(v30 && (key.equals("exclusiveMinimum") || key.equals("exclusiveMaximum")))) {
                out.set(key, clean(f.getValue()));
            }
        }
        if (node.has("example") && !node.has("examples")) {
            out.putArray("examples").add(node.get("example"));
        }
        if (v30) {
            exclusive(node, out, "exclusiveMinimum", "minimum");
            exclusive(node, out, "exclusiveMaximum", "maximum");
            if (node.path("nullable").asBoolean(false) && out.path("type").isTextual()) {
                out.set("type", JSON.arrayNode().add(out.get("type").asText()).add("null"));
            }
        }
        return out;
    }

    /** OpenAPI 3.0's {@code exclusiveMinimum: true} beside {@code minimum: n} is JSON Schema's {@code exclusiveMinimum: n}. */
    private static void exclusive(JsonNode node, ObjectNode out, String flag, String bound) {
        if (node.path(flag).asBoolean(false) && node.has(bound)) {
            out.remove(bound);
            out.set(flag, node.get(bound));
        }
    }
}
