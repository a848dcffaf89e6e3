package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Edits an mcp-servers.json for a {@code bench.sh} variant with JSON merge patches (RFC 7386: objects merge,
 * {@code null} removes a member, anything else replaces): one for the whole file, one for every server in
 * {@code mcpServers}.
 *
 * <pre>
 *   config-merge --in mcp-servers.json [--out FILE] [--top '{"rateLimits": [...]}'] [--backend '{"cache": {...}}']
 * </pre>
 *
 * Several {@code --top} and {@code --backend} patches apply in order. Without {@code --out} the file is rewritten.
 */
public final class ConfigMerge {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigMerge() {}

    public static void main(String[] args) throws IOException {
        Path in = null, out = null;
        List<JsonNode> top = new ArrayList<>(), backend = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--in" -> { in = Path.of(v); i++; }
                case "--out" -> { out = Path.of(v); i++; }
                case "--top" -> { top.add(parse("--top", v)); i++; }
                case "--backend" -> { backend.add(parse("--backend", v)); i++; }
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (in == null) throw new IllegalArgumentException("--in FILE is required");
        JsonNode config = MAPPER.readTree(in.toFile());
        for (JsonNode p : top) config = merge(config, p);
        JsonNode servers = config.path("mcpServers");
        if (!backend.isEmpty() && servers instanceof ObjectNode so) {
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            so.fields().forEachRemaining(entries::add);
            for (Map.Entry<String, JsonNode> e : entries) {
                JsonNode s = e.getValue();
                for (JsonNode p : backend) s = merge(s, p);
                so.set(e.getKey(), s);
            }
        }
        Files.writeString(out == null ? in : out, MAPPER.writeValueAsString(config) + "\n");
    }

    private static JsonNode parse(String option, String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            if (n == null || !n.isObject()) throw new IllegalArgumentException(option + ": expected a JSON object");
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": not JSON: " + e.getMessage(), e);
        }
    }

    /** RFC 7386 merge of {@code patch} into {@code target}; returns the result (target may be changed). */
    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) return patch.deepCopy();
        ObjectNode t = target != null && target.isObject() ? (ObjectNode) target : MAPPER.createObjectNode();
        patch.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                t.remove(e.getKey());
            } else {
                t.set(e.getKey(), merge(t.get(e.getKey()), e.getValue()));
            }
        });
        return t;
    }
}
