package dev.mcpgateway.robustness;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Generates the HTTP fuzz requests: request {@code i} depends only on the seed and {@code i}, so
 * any one of them can be replayed alone. Requests are aimed at the three live sessions the test
 * opened (2025-06-18, 2025-03-26 for batches, 2025-11-25) or at none.
 */
final class FuzzRequests {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String ACCEPT = "application/json, text/event-stream";

    /** One request to send. {@code body} may be null (no body). */
    record Fuzz(int index, String category, String method, Map<String, String> headers, byte[] body) {

        String excerpt() {
            String text = body == null ? "" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            return method + " " + headers + " " + text.replace("\n", "\\n") + (body != null && body.length > 300
                    ? "... (" + body.length + " bytes)"
                    : "");
        }
    }

    /** Category and how many requests of it one run sends, in the order they are interleaved. */
    static final Map<String, Integer> CATEGORIES = categories();

    private static Map<String, Integer> categories() {
        Map<String, Integer> c = new LinkedHashMap<>();
        c.put("random-bytes", 1000);
        c.put("malformed-json", 1500);
        c.put("wrong-field-types", 2000);
        c.put("unknown-methods", 800);
        c.put("tools-call-wrong-arguments", 2000);
        c.put("huge-and-deep", 300);
        c.put("bad-headers", 2000);
        c.put("batches", 800);
        c.put("client-responses-and-notifications", 800);
        c.put("initialize", 400);
        c.put("other-http-methods", 400);
        c.put("sessionless-2026-07-28", 500);
        return c;
    }

    static int total() {
        return CATEGORIES.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Tools of server-everything that answer at once whatever their arguments (no sampling, no waits). */
    static final List<String> QUICK_TOOLS = List.of("echo", "get-sum", "get-annotated-message", "get-resource-links",
            "get-resource-reference", "get-structured-content", "get-tiny-image", "get-env");
    static final List<String> BACKENDS = List.of("alpha", "beta", "gamma", "filtered");
    /** Methods clients send, minus subscriptions/listen (an open-ended stream by design). */
    static final List<String> METHODS = List.of("initialize", "ping", "tools/list", "tools/call", "prompts/list",
            "prompts/get", "resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
            "resources/unsubscribe", "completion/complete", "logging/setLevel", "tasks/get", "tasks/result", "tasks/list",
            "tasks/cancel", "server/discover", "notifications/initialized", "notifications/cancelled",
            "notifications/progress", "notifications/roots/list_changed", "elicitation/create", "sampling/createMessage",
            "roots/list");
    static final List<String> VERSIONS = List.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28");

    private final long seed;
    private final String modern; // 2025-06-18
    private final String legacy; // 2025-03-26 (batches allowed)
    private final String latest; // 2025-11-25
    private final String[] schedule;

    FuzzRequests(long seed, String modern, String legacy, String latest) {
        this.seed = seed;
        this.modern = modern;
        this.legacy = legacy;
        this.latest = latest;
        // Interleave the categories so every stretch of the run mixes them.
        List<String> order = new ArrayList<>();
        CATEGORIES.forEach((name, count) -> {
            for (int i = 0; i < count; i++) {
                order.add(name);
            }
        });
        java.util.Collections.shuffle(order, new Random(seed));
        schedule = order.toArray(String[]::new);
    }

    Fuzz request(int index) {
        Random r = new Random(seed * 1_000_003L + index);
        String category = schedule[index];
        Map<String, String> h = baseHeaders(r);
        if (category.equals("other-http-methods")) {
            String method = pick(r, "GET", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD");
            h.put("Mcp-Session-Id", forgedSession(r));
            if (r.nextBoolean()) {
                h.put("Last-Event-ID", pick(r, "0", "x:1", "stream:999999", "", "%%%", "a".repeat(500)));
            }
            return new Fuzz(index, category, method, h, r.nextInt(3) == 0 ? bytes(plausible(r)) : null);
        }
        if (category.equals("sessionless-2026-07-28")) {
            h.remove("Mcp-Session-Id");
            return new Fuzz(index, category, "POST", modernHeaders(r, h), bytes(modernRequest(r)));
        }
        byte[] body = switch (category) {
            case "random-bytes" -> randomBytes(r);
            case "malformed-json" -> malformed(r);
            case "wrong-field-types" -> bytes(wrongTypes(r));
            case "unknown-methods" -> bytes(request(r, unknownMethod(r), r.nextBoolean() ? F.objectNode() : randomValue(r, 2)));
            case "tools-call-wrong-arguments" -> bytes(toolCall(r));
            case "huge-and-deep" -> hugeOrDeep(r);
            case "bad-headers" -> {
                badHeaders(r, h);
                yield bytes(plausible(r));
            }
            case "batches" -> {
                h.put("Mcp-Session-Id", r.nextInt(4) == 0 ? modern : legacy);
                h.put("MCP-Protocol-Version", "2025-03-26");
                yield batch(r);
            }
            case "client-responses-and-notifications" -> bytes(clientMessage(r));
            case "initialize" -> {
                h.remove("Mcp-Session-Id");
                yield bytes(initialize(r));
            }
            default -> throw new IllegalStateException(category);
        };
        return new Fuzz(index, category, "POST", h, body);
    }

    // ---------------------------------------------------------------- headers

    private Map<String, String> baseHeaders(Random r) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Accept", ACCEPT);
        h.put("Content-Type", "application/json");
        int which = r.nextInt(3);
        h.put("Mcp-Session-Id", which == 0 ? modern : which == 1 ? legacy : latest);
        if (r.nextBoolean()) {
            h.put("MCP-Protocol-Version", which == 0 ? "2025-06-18" : which == 1 ? "2025-03-26" : "2025-11-25");
        }
        return h;
    }

    private void badHeaders(Random r, Map<String, String> h) {
        switch (r.nextInt(9)) {
            case 0 -> {
                if (r.nextBoolean()) {
                    h.remove("Accept");
                } else {
                    h.put("Accept", pick(r, "application/json", "text/event-stream", "*/*", "text/html", "",
                            "application/json;q=0, text/event-stream", "application/*, text/*",
                            "application/json, text/event-stream;q=0", "garbage;;;,,,", "a".repeat(4000)));
                }
            }
            case 1 -> {
                if (r.nextBoolean()) {
                    h.remove("Content-Type");
                } else {
                    h.put("Content-Type", pick(r, "text/plain", "application/x-www-form-urlencoded", "", "application/jsonx",
                            "application/json; charset=latin1", "APPLICATION/JSON", "multipart/form-data; boundary=x",
                            "application/json-seq"));
                }
            }
            case 2 -> h.put("MCP-Protocol-Version", pick(r, "", "1999-01-01", "2025-06-18 ", "latest", "2024-11-05",
                    "2026-07-28", "2025-03-26", "2025-11-25", "9999-99-99", "2025-06-18,2025-03-26", "x".repeat(300)));
            case 3 -> h.put("Mcp-Session-Id", forgedSession(r));
            case 4 -> h.remove("Mcp-Session-Id");
            case 5 -> h.put("Origin", pick(r, "https://evil.example", "null", "http://localhost.evil.example", "file://",
                    "http://127.0.0.1:1", "http://localhost", "", "http://[::1]", "https://LOCALHOST"));
            case 6 -> h.put("Authorization", pick(r, "Bearer x", "Basic Zm9vOmJhcg==", "Bearer " + "a".repeat(20_000), "",
                    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."));
            case 7 -> h.put("Last-Event-ID", pick(r, "0", "x:1", "", "a:b:c", "-1"));
            default -> {
                h.put("Mcp-Method", pick(r, "tools/call", "x", ""));
                h.put("Mcp-Name", pick(r, "alpha__echo", "", "%C3%BC"));
            }
        }
    }

    private String forgedSession(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> "";
            case 1 -> modern + "x";
            case 2 -> modern.substring(1);
            case 3 -> "pool." + randomToken(r, 43);
            case 4 -> randomToken(r, 1 + r.nextInt(64));
            case 5 -> "a".repeat(8000);
            default -> modern.toUpperCase(java.util.Locale.ROOT);
        };
    }

    private Map<String, String> modernHeaders(Random r, Map<String, String> h) {
        h.put("MCP-Protocol-Version", r.nextInt(5) == 0 ? pick(r, "2026-07-28 ", "2026-07-29", "") : "2026-07-28");
        if (r.nextBoolean()) {
            h.put("Mcp-Method", pick(r, "tools/call", "tools/list", "ping", "server/discover", "", "bogus"));
        }
        if (r.nextBoolean()) {
            h.put("Mcp-Name", pick(r, "alpha__echo", "beta__get-sum", "nope", "", "=?utf-8?q?x?="));
        }
        if (r.nextInt(4) == 0) {
            h.put("Mcp-Session-Id", forgedSession(r)); // ignored in this era
        }
        return h;
    }

    // ---------------------------------------------------------------- bodies

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(2048)];
        r.nextBytes(b);
        if (b.length > 0 && r.nextBoolean()) {
            b[0] = (byte) (r.nextBoolean() ? '{' : '[');
        }
        return b;
    }

    private byte[] malformed(Random r) {
        byte[] valid = bytes(plausible(r));
        return switch (r.nextInt(5)) {
            case 0 -> java.util.Arrays.copyOf(valid, r.nextInt(valid.length)); // cut short
            case 1 -> {
                byte[] c = valid.clone();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    c[r.nextInt(c.length)] = (byte) r.nextInt(256);
                }
                yield c;
            }
            case 2 -> {
                String s = new String(valid, StandardCharsets.UTF_8);
                int at = r.nextInt(s.length() + 1);
                yield (s.substring(0, at) + pick(r, "{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "\\u12", "NaN",
                        "Infinity", "'", "/*", "//", "\ud800") + s.substring(at)).getBytes(StandardCharsets.UTF_8);
            }
            case 3 -> (new String(valid, StandardCharsets.UTF_8) + pick(r, " x", "{}", "]", "\u0000", ",")).getBytes(
                    StandardCharsets.UTF_8); // trailing bytes
            default -> pick(r, "", " ", "null", "true", "1", "\"s\"", "{", "{}", "{\"jsonrpc\":\"2.0\"}", "\uFEFF{}",
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"id\":2}").getBytes(StandardCharsets.UTF_8);
        };
    }

    /** A request the gateway would answer, as a starting point for mutations. */
    private ObjectNode plausible(Random r) {
        String method = pick(r, "ping", "tools/list", "tools/call", "prompts/list", "resources/list", "resources/read",
                "prompts/get", "completion/complete", "logging/setLevel", "resources/templates/list");
        ObjectNode params = F.objectNode();
        switch (method) {
            case "tools/call" -> {
                params.put("name", backend(r) + "__" + pick(r, QUICK_TOOLS.toArray(String[]::new)));
                params.putObject("arguments").put("message", "hi").put("a", 1).put("b", 2);
            }
            case "resources/read" -> params.put("uri", pick(r, "mcpgw://alpha/demo://resource/static/document/architecture.md",
                    "mcpgw://beta/demo://resource/dynamic/text/1", "demo://resource/static/document/x.md"));
            case "prompts/get" -> params.put("name", backend(r) + "__" + pick(r, "simple-prompt", "args-prompt", "x"));
            case "completion/complete" -> {
                params.putObject("ref").put("type", "ref/prompt").put("name", backend(r) + "__args-prompt");
                params.putObject("argument").put("name", "city").put("value", "B");
            }
            case "logging/setLevel" -> params.put("level", pick(r, "debug", "info", "error", "nonsense"));
            default -> {
                if (r.nextBoolean()) {
                    params.put("cursor", r.nextBoolean() ? randomToken(r, 12) : "eyJhbHBoYSI6IjEifQ");
                }
            }
        }
        return request(r, method, params);
    }

    private ObjectNode request(Random r, String method, JsonNode params) {
        ObjectNode o = F.objectNode().put("jsonrpc", "2.0");
        if (r.nextBoolean()) {
            o.put("id", r.nextInt(1000));
        } else {
            o.put("id", "f-" + r.nextInt(1000));
        }
        o.put("method", method);
        if (params != null) {
            o.set("params", params);
        }
        return o;
    }

    private ObjectNode wrongTypes(Random r) {
        ObjectNode msg = plausible(r);
        List<String> paths = new ArrayList<>(List.of("jsonrpc", "id", "method", "params"));
        if (msg.get("params") instanceof ObjectNode p) {
            p.fieldNames().forEachRemaining(f -> paths.add("params." + f));
            paths.addAll(List.of("params._meta", "params._meta.progressToken", "params.arguments", "params.name",
                    "params.uri", "params.cursor", "params.task", "params.ref"));
        }
        for (int n = 1 + r.nextInt(2); n > 0; n--) {
            String path = paths.get(r.nextInt(paths.size()));
            ObjectNode parent = msg;
            String field = path;
            for (String part : path.split("\\.", -1)) {
                field = part;
            }
            String[] parts = path.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode next = parent.get(parts[i]);
                if (!(next instanceof ObjectNode o)) {
                    next = parent.putObject(parts[i]);
                }
                parent = (ObjectNode) next;
            }
            if (r.nextInt(5) == 0) {
                parent.remove(field);
            } else {
                parent.set(field, randomValue(r, 2));
            }
        }
        return msg;
    }

    private String unknownMethod(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> "";
            case 1 -> "rpc." + randomToken(r, 5);
            case 2 -> pick(r, METHODS.toArray(String[]::new)) + pick(r, "/", " ", "x", "\u0000", "/../initialize");
            case 3 -> "x".repeat(10_000);
            case 4 -> pick(r, "Tools/List", "TOOLS/CALL", "tools.list", "tools/list/", "notifications/", "tasks/",
                    "subscriptions/", "initialize ", "$/cancelRequest");
            default -> randomToken(r, 1 + r.nextInt(30));
        };
    }

    private ObjectNode toolCall(Random r) {
        ObjectNode params = F.objectNode();
        String name = switch (r.nextInt(10)) {
            case 0 -> pick(r, "echo", "nope__echo", "alpha__", "__echo", "alpha__nope", "alpha___echo", "ALPHA__echo",
                    "filtered__get-env", "alpha__echo\u0000", "");
            default -> backend(r) + "__" + pick(r, QUICK_TOOLS.toArray(String[]::new));
        };
        params.put("name", name);
        switch (r.nextInt(6)) {
            case 0 -> params.remove("arguments");
            case 1 -> params.set("arguments", randomValue(r, 2)); // arguments of any type
            default -> {
                ObjectNode args = params.putObject("arguments");
                for (String arg : List.of("message", "a", "b", "messageType", "resourceId", "count", "location")) {
                    if (r.nextInt(3) == 0) {
                        args.set(arg, randomValue(r, 1));
                    }
                }
            }
        }
        if (r.nextInt(5) == 0) {
            params.putObject("_meta").set("progressToken", randomValue(r, 0));
        }
        return request(r, "tools/call", params);
    }

    private byte[] hugeOrDeep(Random r) {
        switch (r.nextInt(7)) {
            case 0 -> {
                // 10,000-deep arrays inside params
                int depth = 10_000;
                return ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\","
                        + "\"arguments\":{\"message\":" + "[".repeat(depth) + "]".repeat(depth) + "}}}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                // as deep as the parser allows, forwarded to a backend
                int depth = 990;
                return ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"beta__echo\","
                        + "\"arguments\":{\"message\":\"x\",\"deep\":" + "[".repeat(depth) + "]".repeat(depth) + "}}}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> {
                ObjectNode msg = request(r, "tools/call", F.objectNode().put("name", backend(r) + "__echo"));
                ((ObjectNode) msg.get("params")).putObject("arguments").put("message", "é".repeat(1 + r.nextInt(500_000)));
                return bytes(msg);
            }
            case 3 -> {
                ObjectNode msg = request(r, "tools/list", F.objectNode());
                ArrayNode wide = ((ObjectNode) msg.get("params")).putArray("wide");
                for (int i = 0; i < 100_000; i++) {
                    wide.add(i);
                }
                return bytes(msg);
            }
            case 4 -> {
                ObjectNode params = F.objectNode();
                for (int i = 0; i < 20_000; i++) {
                    params.put("k" + i, i);
                }
                return bytes(request(r, "ping", params));
            }
            case 5 -> {
                // over the 4M body limit
                byte[] b = new byte[4 * 1024 * 1024 + 1 + r.nextInt(1024 * 1024)];
                java.util.Arrays.fill(b, (byte) ' ');
                b[0] = '{';
                b[b.length - 1] = '}';
                return b;
            }
            default -> {
                ObjectNode msg = request(r, "tools/call", F.objectNode().put("name", "x".repeat(1 + r.nextInt(1_000_000))));
                return bytes(msg);
            }
        }
    }

    private byte[] batch(Random r) {
        ArrayNode batch = F.arrayNode();
        switch (r.nextInt(6)) {
            case 0 -> {
                return "[]".getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                // Many bogus responses, as if answering requests the gateway never sent.
                int n = r.nextInt(50) == 0 ? 10_000 : 1 + r.nextInt(200);
                for (int i = 0; i < n; i++) {
                    batch.addObject().put("jsonrpc", "2.0").put("id", "mcpgw.forged" + i + ".x").putObject("result");
                }
            }
            case 2 -> {
                for (int i = 1 + r.nextInt(10); i > 0; i--) {
                    batch.add(r.nextBoolean() ? plausible(r) : randomValue(r, 2));
                }
            }
            case 3 -> {
                batch.add(plausible(r));
                batch.add(F.arrayNode().add(plausible(r))); // nested batch
            }
            case 4 -> {
                for (int i = 1 + r.nextInt(5); i > 0; i--) {
                    batch.add(clientMessage(r));
                }
            }
            default -> {
                for (int i = 1 + r.nextInt(5); i > 0; i--) {
                    batch.add(plausible(r));
                }
                batch.add(initialize(r)); // initialize inside a batch
            }
        }
        return bytes(batch);
    }

    private ObjectNode clientMessage(Random r) {
        ObjectNode o = F.objectNode().put("jsonrpc", "2.0");
        switch (r.nextInt(6)) {
            case 0 -> o.put("id", "mcpgw." + randomToken(r, 40) + "." + randomToken(r, 43)).putObject("result");
            case 1 -> o.put("id", r.nextInt(100)).putObject("error").put("code", -1).put("message", "no");
            case 2 -> o.put("method", "notifications/cancelled").putObject("params").set("requestId", randomValue(r, 0));
            case 3 -> o.put("method", "notifications/progress").putObject("params").put("progressToken", r.nextInt(10))
                    .put("progress", r.nextDouble());
            case 4 -> o.put("method", pick(r, "notifications/initialized", "notifications/roots/list_changed",
                    "notifications/unknown", "notifications/message")).set("params", randomValue(r, 1));
            default -> o.set("id", randomValue(r, 0));
        }
        return o;
    }

    private ObjectNode initialize(Random r) {
        ObjectNode params = F.objectNode();
        params.set("protocolVersion",
                r.nextInt(3) == 0 ? randomValue(r, 0) : F.textNode(pick(r, VERSIONS.toArray(String[]::new))));
        params.set("capabilities", r.nextInt(3) == 0 ? randomValue(r, 1) : F.objectNode());
        params.set("clientInfo", r.nextInt(3) == 0 ? randomValue(r, 1)
                : F.objectNode().put("name", "fuzz").put("version", "1"));
        if (r.nextInt(4) == 0) {
            params.remove(pick(r, "protocolVersion", "capabilities", "clientInfo"));
        }
        return request(r, "initialize", r.nextInt(10) == 0 ? randomValue(r, 1) : params);
    }

    private ObjectNode modernRequest(Random r) {
        ObjectNode msg = r.nextBoolean() ? toolCall(r) : plausible(r);
        if (r.nextInt(6) == 0) {
            msg.put("method", pick(r, "server/discover", "initialize", unknownMethod(r)));
        }
        ObjectNode params = msg.get("params") instanceof ObjectNode p ? p : msg.putObject("params");
        if (r.nextInt(5) != 0) {
            ObjectNode meta = params.putObject("_meta");
            meta.set("io.modelcontextprotocol/protocolVersion",
                    r.nextInt(5) == 0 ? randomValue(r, 0) : F.textNode("2026-07-28"));
            meta.set("io.modelcontextprotocol/clientCapabilities", r.nextInt(4) == 0 ? randomValue(r, 1) : F.objectNode());
            meta.set("io.modelcontextprotocol/clientInfo", r.nextInt(4) == 0 ? randomValue(r, 1)
                    : F.objectNode().put("name", "fuzz").put("version", "1"));
            if (r.nextInt(4) == 0) {
                meta.set("io.modelcontextprotocol/logLevel", randomValue(r, 0));
            }
        }
        if (r.nextInt(8) == 0) {
            params.set("inputResponses", randomValue(r, 2));
            params.set("requestState", randomValue(r, 0));
        }
        return msg;
    }

    // ---------------------------------------------------------------- values

    static JsonNode randomValue(Random r, int depth) {
        int pick = r.nextInt(depth <= 0 ? 10 : 12);
        return switch (pick) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(r.nextBoolean());
            case 2 -> F.numberNode(r.nextInt());
            case 3 -> F.numberNode(r.nextLong());
            case 4 -> F.numberNode(r.nextDouble() * 1e10);
            case 5 -> F.numberNode(new java.math.BigInteger(130, r));
            case 6 -> F.textNode("");
            case 7 -> F.textNode(randomToken(r, r.nextInt(40)));
            case 8 -> F.textNode(pick(r, "alpha__echo", "mcpgw://alpha/x", "\u0000", "é€𝄞", "../../etc/passwd", "${HOME}",
                    "<script>", "%s%n", "null", "2.0"));
            case 9 -> F.numberNode(pick(r, 0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE));
            case 10 -> {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(4); i > 0; i--) {
                    a.add(randomValue(r, depth - 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = F.objectNode();
                for (int i = r.nextInt(4); i > 0; i--) {
                    o.set(pick(r, "name", "arguments", "uri", "cursor", "_meta", "id", "x", "", "message", "a", "b"),
                            randomValue(r, depth - 1));
                }
                yield o;
            }
        };
    }

    static String randomToken(Random r, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*";
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static String backend(Random r) {
        return BACKENDS.get(r.nextInt(BACKENDS.size()));
    }

    @SafeVarargs
    static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
