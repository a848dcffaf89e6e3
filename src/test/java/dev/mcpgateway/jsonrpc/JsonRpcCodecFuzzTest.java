package dev.mcpgateway.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Property-based fuzzing of the wire model: whatever a peer sends, decoding ends in messages or in
 * a {@link JsonRpcException}, never in another exception; ids come back as they arrived.
 */
class JsonRpcCodecFuzzTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final List<String> ENVELOPE_FIELDS = List.of("jsonrpc", "id", "method", "params", "result", "error", "_meta",
            "progressToken");

    /** Decoding arbitrary bytes ends in messages or a -32700/-32600 error. */
    @Property(tries = 1000)
    void arbitraryBytesNeverThrowAnythingElse(@ForAll @Size(max = 300) byte[] bytes) {
        assertOnlyJsonRpcErrors(bytes);
    }

    /** Mutations of a valid message (a byte flipped, cut short, bytes inserted) are the likely garbage. */
    @Property(tries = 1000)
    void mutatedMessagesNeverThrowAnythingElse(@ForAll("mutatedMessages") byte[] bytes) {
        assertOnlyJsonRpcErrors(bytes);
    }

    /** Arbitrary JSON trees shaped like envelopes: decoded, or refused with a JSON-RPC error. */
    @Property(tries = 1000)
    void arbitraryTreesDecodeOrFailWithAJsonRpcError(@ForAll("envelopes") JsonNode tree) {
        byte[] bytes = JsonRpcCodec.writeBytes(tree);
        JsonNode parsed = JsonRpcCodec.parseTree(bytes);
        List<JsonRpcMessage> messages;
        try {
            messages = JsonRpcCodec.decodeAll(parsed);
        } catch (JsonRpcException e) {
            assertThat(e.error().code()).isIn(ErrorCodes.INVALID_REQUEST, ErrorCodes.INVALID_PARAMS);
            return;
        }
        assertThat(messages).isNotEmpty();
        List<JsonNode> elements = parsed.isArray() ? iterate(parsed) : List.of(parsed);
        assertThat(messages).hasSameSizeAs(elements);
        for (int i = 0; i < messages.size(); i++) {
            JsonNode sent = elements.get(i);
            // JSON-RPC: "jsonrpc" MUST be exactly "2.0" (a string).
            assertThat(sent.get("jsonrpc")).isEqualTo(JSON.textNode("2.0"));
            JsonNode again = JsonRpcCodec.parseTree(JsonRpcCodec.encode(messages.get(i)));
            assertThat(again.get("jsonrpc")).isEqualTo(JSON.textNode("2.0"));
            // What the envelope carried comes out again: the same id, method and payloads.
            List<String> carried = switch (messages.get(i)) {
                case JsonRpcRequest r -> List.of("id", "method");
                case JsonRpcNotification n -> List.of("method");
                case JsonRpcResponse r -> List.of("id", r.isError() ? "error" : "result");
            };
            for (String field : carried) {
                assertThat(again.get(field)).as(field).isEqualTo(sent.get(field));
            }
            if (!(messages.get(i) instanceof JsonRpcResponse) && sent.path("params").isObject()) {
                assertThat(again.get("params")).isEqualTo(sent.get("params"));
                // Only an object _meta passes: peers drop messages with any other.
                assertThat(sent.get("params").path("_meta").isMissingNode() || sent.get("params").get("_meta").isObject())
                        .isTrue();
            }
            assertThat(again.has("id")).isEqualTo(!(messages.get(i) instanceof JsonRpcNotification));
        }
    }

    /** Request ids keep their type and exact value through decode and encode, however large. */
    @Property(tries = 1000)
    void requestIdsRoundTripExactly(@ForAll("ids") String idLiteral) {
        String text = "{\"jsonrpc\":\"2.0\",\"id\":" + idLiteral + ",\"method\":\"tools/call\"}";
        JsonNode sent = JsonRpcCodec.parseTree(text.getBytes(StandardCharsets.UTF_8));

        JsonRpcMessage decoded = JsonRpcCodec.decode(sent);

        assertThat(decoded).isInstanceOf(JsonRpcRequest.class);
        JsonNode id = ((JsonRpcRequest) decoded).id();
        String wire = new String(JsonRpcCodec.encode(decoded), StandardCharsets.UTF_8);
        JsonNode back = JsonRpcCodec.parseTree(wire.getBytes(StandardCharsets.UTF_8)).get("id");
        assertThat(back.isTextual()).isEqualTo(sent.get("id").isTextual());
        assertThat(back.isNumber()).isEqualTo(sent.get("id").isNumber());
        if (back.isNumber()) {
            assertThat(back.bigIntegerValue()).isEqualTo(new BigInteger(idLiteral));
        } else {
            assertThat(back.asText()).isEqualTo(sent.get("id").asText());
        }
        assertThat(back).isEqualTo(id);
        // A response echoing the id carries it the same way.
        JsonNode reply = JsonRpcCodec.parseTree(JsonRpcCodec.encode(JsonRpcResponse.result(id, JSON.objectNode())));
        assertThat(reply.get("id")).isEqualTo(back);
    }

    /** JSON-RPC: numbers SHOULD NOT contain fractional parts; the gateway refuses them as ids. */
    @Property(tries = 300)
    void fractionalIdsAreInvalidRequests(@ForAll("fractions") String idLiteral) {
        String text = "{\"jsonrpc\":\"2.0\",\"id\":" + idLiteral + ",\"method\":\"ping\"}";

        Throwable thrown = catchThrowable(
                () -> JsonRpcCodec.decode(JsonRpcCodec.parseTree(text.getBytes(StandardCharsets.UTF_8))));

        assertThat(thrown).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) thrown).error().code()).isEqualTo(ErrorCodes.INVALID_REQUEST);
    }

    /** Batches decode element by element, in order, or fail as a whole with one JSON-RPC error. */
    @Property(tries = 300)
    void batchesKeepOrderAndIds(
            @ForAll @Size(min = 1, max = 30) List<@net.jqwik.api.constraints.IntRange(min = 0, max = 1_000_000) Integer> ids) {
        ArrayNode batch = JSON.arrayNode();
        for (int id : ids) {
            batch.addObject().put("jsonrpc", "2.0").put("id", id).put("method", "ping");
        }
        List<JsonRpcMessage> messages = JsonRpcCodec.decodeAll(JsonRpcCodec.parseTree(JsonRpcCodec.writeBytes(batch)));

        assertThat(messages).extracting(m -> ((JsonRpcRequest) m).id().intValue()).containsExactlyElementsOf(ids);
    }

    private static void assertOnlyJsonRpcErrors(byte[] bytes) {
        Throwable thrown = catchThrowable(() -> {
            List<JsonRpcMessage> messages = JsonRpcCodec.decodeAll(JsonRpcCodec.parseTree(bytes));
            for (JsonRpcMessage m : messages) {
                JsonRpcCodec.encode(m);
            }
        });
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(JsonRpcException.class);
            assertThat(((JsonRpcException) thrown).error().code()).isIn(ErrorCodes.PARSE_ERROR, ErrorCodes.INVALID_REQUEST,
                    ErrorCodes.INVALID_PARAMS);
        }
    }

    private static List<JsonNode> iterate(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<byte[]> mutatedMessages() {
        Arbitrary<byte[]> valid = envelopes().map(JsonRpcCodec::writeBytes);
        return Arbitraries.oneOf(
                // cut short
                valid.flatMap(b -> Arbitraries.integers().between(0, b.length).map(n -> java.util.Arrays.copyOf(b, n))),
                // one byte replaced
                valid.flatMap(b -> Arbitraries.integers().between(0, Math.max(0, b.length - 1))
                        .flatMap(i -> Arbitraries.bytes().map(x -> {
                            byte[] c = b.clone();
                            if (c.length > 0) {
                                c[i] = x;
                            }
                            return c;
                        }))),
                // a structural character inserted
                valid.flatMap(b -> Arbitraries.integers().between(0, b.length)
                        .flatMap(i -> Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "\uFFFF", "1e999999")
                                .map(s -> insert(b, i, s.getBytes(StandardCharsets.UTF_8))))));
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    @Provide
    Arbitrary<JsonNode> envelopes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, envelope()),
                net.jqwik.api.Tuple.of(2, envelope().list().ofMaxSize(5).map(l -> {
                    ArrayNode a = JSON.arrayNode();
                    l.forEach(a::add);
                    return (JsonNode) a;
                })),
                net.jqwik.api.Tuple.of(1, value(3)));
    }

    /** An object with some of the envelope's fields (right or wrong types) and maybe others. */
    static Arbitrary<JsonNode> envelope() {
        Arbitrary<JsonNode> jsonrpc = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just((JsonNode) JSON.textNode("2.0"))),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(JSON.textNode("1.0"), JSON.numberNode(2.0), JSON.textNode(" 2.0"),
                        JSON.nullNode()).map(n -> (JsonNode) n)),
                net.jqwik.api.Tuple.of(1, value(1)));
        Arbitrary<JsonNode> id = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.longs().map(l -> (JsonNode) JSON.numberNode(l))),
                net.jqwik.api.Tuple.of(4, Arbitraries.strings().ofMaxLength(20).map(s -> (JsonNode) JSON.textNode(s))),
                net.jqwik.api.Tuple.of(1, value(2)));
        Arbitrary<JsonNode> method = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of(McpMethodsSample.NAMES).map(s -> (JsonNode) JSON.textNode(s))),
                net.jqwik.api.Tuple.of(1, value(1)));
        Arbitrary<JsonNode> params = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, object(3)),
                net.jqwik.api.Tuple.of(1, value(2)));
        return Arbitraries.lazy(() -> net.jqwik.api.Combinators.combine(
                jsonrpc.optional(0.9), id.optional(0.7), method.optional(0.6), params.optional(0.4),
                value(3).optional(0.3), object(2).optional(0.2), value(1).optional(0.2))
                .as((v, i, m, p, r, e, extra) -> {
                    ObjectNode o = JSON.objectNode();
                    v.ifPresent(x -> o.set("jsonrpc", x));
                    i.ifPresent(x -> o.set("id", x));
                    m.ifPresent(x -> o.set("method", x));
                    p.ifPresent(x -> o.set("params", x));
                    r.ifPresent(x -> o.set("result", x));
                    e.ifPresent(x -> o.set("error", x));
                    extra.ifPresent(x -> o.set("x-extra", x));
                    return (JsonNode) o;
                }));
    }

    /** Any JSON value, nested up to {@code depth}. */
    static Arbitrary<JsonNode> value(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.just((JsonNode) JSON.nullNode()),
                Arbitraries.of(true, false).map(b -> (JsonNode) JSON.booleanNode(b)),
                Arbitraries.integers().map(i -> (JsonNode) JSON.numberNode(i)),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                        .map(b -> (JsonNode) JSON.numberNode(b)),
                Arbitraries.doubles().map(d -> (JsonNode) JSON.numberNode(d)),
                Arbitraries.strings().ofMaxLength(30).map(s -> (JsonNode) JSON.textNode(s)));
        if (depth <= 0) {
            return scalar;
        }
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, scalar),
                net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> value(depth - 1)).list().ofMaxSize(4).map(l -> {
                    ArrayNode a = JSON.arrayNode();
                    l.forEach(a::add);
                    return (JsonNode) a;
                })),
                net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> object(depth - 1))));
    }

    static Arbitrary<JsonNode> object(int depth) {
        Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.of(ENVELOPE_FIELDS), Arbitraries.strings().ofMaxLength(8));
        return net.jqwik.api.Combinators.combine(keys, Arbitraries.lazy(() -> value(Math.max(0, depth - 1))))
                .as(java.util.Map::entry).list().ofMaxSize(4).map(entries -> {
                    ObjectNode o = JSON.objectNode();
                    entries.forEach(e -> o.set(e.getKey(), e.getValue()));
                    return (JsonNode) o;
                });
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of("0", "-1", "9007199254740993", "18446744073709551616", "-9223372036854775809",
                        "123456789012345678901234567890123456789012345678901234567890"),
                Arbitraries.bigIntegers().between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40)).map(String::valueOf),
                Arbitraries.strings().ofMaxLength(40).map(s -> JsonRpcCodec.writeString(JSON.textNode(s))),
                Arbitraries.of("\"1\"", "\"\"", "\"null\"", "\"0x10\"", "\"1.5\"", "\"\\u0000\"", "\"💥\"")); // strings that look like other things
    }

    @Provide
    Arbitrary<String> fractions() {
        return Arbitraries.oneOf(
                Arbitraries.doubles().filter(d -> d != Math.rint(d)).map(String::valueOf),
                Arbitraries.of("1.0", "1.5", "-0.0", "1e2", "1E-2", "1e400", "0.1000000000000000000001"));
    }

    /** Method names the router knows, and a few it does not. */
    static final class McpMethodsSample {
        static final List<String> NAMES = List.of("initialize", "ping", "tools/list", "tools/call", "resources/read",
                "prompts/get", "notifications/initialized", "notifications/cancelled", "", "rpc.discover", "tools/call/");
    }
}
