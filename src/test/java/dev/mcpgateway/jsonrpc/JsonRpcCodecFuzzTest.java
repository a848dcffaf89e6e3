package dev.mcpgateway.jsonrpc;

import static dev.mcpgateway.testing.Fuzz.bigIntegers;
import static dev.mcpgateway.testing.Fuzz.bytes;
import static dev.mcpgateway.testing.Fuzz.doubles;
import static dev.mcpgateway.testing.Fuzz.forAll;
import static dev.mcpgateway.testing.Fuzz.frequency;
import static dev.mcpgateway.testing.Fuzz.ints;
import static dev.mcpgateway.testing.Fuzz.json;
import static dev.mcpgateway.testing.Fuzz.jsonObject;
import static dev.mcpgateway.testing.Fuzz.just;
import static dev.mcpgateway.testing.Fuzz.longs;
import static dev.mcpgateway.testing.Fuzz.of;
import static dev.mcpgateway.testing.Fuzz.oneOf;
import static dev.mcpgateway.testing.Fuzz.strings;
import static dev.mcpgateway.testing.Fuzz.w;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.Fuzz.Gen;

/**
 * Property-based fuzzing of the wire model: whatever a peer sends, decoding ends in messages or in
 * a {@link JsonRpcException}, never in another exception; ids come back as they arrived.
 */
class JsonRpcCodecFuzzTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final List<String> ENVELOPE_FIELDS = List.of("jsonrpc", "id", "method", "params", "result", "error", "_meta",
            "progressToken");

    /** Decoding arbitrary bytes ends in messages or a -32700/-32600 error. */
    @Test
    void arbitraryBytesNeverThrowAnythingElse() {
        forAll(1000, bytes(300), JsonRpcCodecFuzzTest::assertOnlyJsonRpcErrors);
    }

    /** Mutations of a valid message (a byte flipped, cut short, bytes inserted) are the likely garbage. */
    @Test
    void mutatedMessagesNeverThrowAnythingElse() {
        forAll(1000, mutatedMessages(), JsonRpcCodecFuzzTest::assertOnlyJsonRpcErrors);
    }

    /** Arbitrary JSON trees shaped like envelopes: decoded, or refused with a JSON-RPC error. */
    @Test
    void arbitraryTreesDecodeOrFailWithAJsonRpcError() {
        forAll(1000, envelopes(), JsonRpcCodecFuzzTest::decodesOrFailsWithAJsonRpcError);
    }

    private static void decodesOrFailsWithAJsonRpcError(JsonNode tree) {
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
    @Test
    void requestIdsRoundTripExactly() {
        forAll(1000, ids(), JsonRpcCodecFuzzTest::idRoundTripsExactly);
    }

    private static void idRoundTripsExactly(String idLiteral) {
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
    @Test
    void fractionalIdsAreInvalidRequests() {
        forAll(300, fractions(), JsonRpcCodecFuzzTest::isInvalidRequestAsId);
    }

    private static void isInvalidRequestAsId(String idLiteral) {
        String text = "{\"jsonrpc\":\"2.0\",\"id\":" + idLiteral + ",\"method\":\"ping\"}";

        Throwable thrown = catchThrowable(
                () -> JsonRpcCodec.decode(JsonRpcCodec.parseTree(text.getBytes(StandardCharsets.UTF_8))));

        assertThat(thrown).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) thrown).error().code()).isEqualTo(ErrorCodes.INVALID_REQUEST);
    }

    /** Batches decode element by element, in order, or fail as a whole with one JSON-RPC error. */
    @Test
    void batchesKeepOrderAndIds() {
        forAll(300, ints(0, 1_000_000).list(1, 30), JsonRpcCodecFuzzTest::batchKeepsOrderAndIds);
    }

    private static void batchKeepsOrderAndIds(List<Integer> ids) {
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
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    // ---------------------------------------------------------------- generators

    /** Valid messages cut short, with one byte replaced, or with a structural character inserted. */
    static Gen<byte[]> mutatedMessages() {
        Gen<byte[]> valid = envelopes().map(JsonRpcCodec::writeBytes);
        Gen<String> inserted = of("{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "\uFFFF", "1e999999");
        return oneOf(
                // cut short
                r -> {
                    byte[] b = valid.next(r);
                    return Arrays.copyOf(b, r.nextInt(b.length + 1));
                },
                // one byte replaced
                r -> {
                    byte[] b = valid.next(r);
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                    return b;
                },
                // a structural character inserted
                r -> {
                    byte[] b = valid.next(r);
                    return insert(b, r.nextInt(b.length + 1), inserted.next(r).getBytes(StandardCharsets.UTF_8));
                });
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    /** Envelopes, batches of up to five of them, and now and then any JSON value. */
    static Gen<JsonNode> envelopes() {
        Gen<JsonNode> batch = r -> {
            ArrayNode a = JSON.arrayNode();
            envelope().list(0, 5).next(r).forEach(a::add);
            return a;
        };
        return frequency(w(6, envelope()), w(2, batch), w(1, value(3)));
    }

    /** An object with some of the envelope's fields (right or wrong types) and maybe others. */
    static Gen<JsonNode> envelope() {
        Gen<JsonNode> jsonrpc = frequency(w(8, just(JSON.textNode("2.0"))),
                w(1, of(JSON.textNode("1.0"), JSON.numberNode(2.0), JSON.textNode(" 2.0"), JSON.nullNode())),
                w(1, value(1)));
        Gen<JsonNode> id = frequency(w(4, longs().map(JSON::numberNode)), w(4, strings(20).map(JSON::textNode)),
                w(1, value(2)));
        Gen<JsonNode> method = frequency(w(4, of(McpMethodsSample.NAMES).map(JSON::textNode)), w(1, value(1)));
        Gen<JsonNode> params = frequency(w(3, object(3)), w(1, value(2)));
        Gen<JsonNode> result = value(3);
        Gen<JsonNode> error = object(2);
        Gen<JsonNode> extra = value(1);
        return r -> {
            ObjectNode o = JSON.objectNode();
            setSometimes(o, "jsonrpc", jsonrpc.orNull(0.9).next(r));
            setSometimes(o, "id", id.orNull(0.7).next(r));
            setSometimes(o, "method", method.orNull(0.6).next(r));
            setSometimes(o, "params", params.orNull(0.4).next(r));
            setSometimes(o, "result", result.orNull(0.3).next(r));
            setSometimes(o, "error", error.orNull(0.2).next(r));
            setSometimes(o, "x-extra", extra.orNull(0.2).next(r));
            return o;
        };
    }

    /** Sets the field when a value was generated (a generated JSON null is a value, and set). */
    private static void setSometimes(ObjectNode o, String field, JsonNode value) {
        if (value != null) {
            o.set(field, value);
        }
    }

    /** Object keys: the envelope's own fields half the time, short strings of any characters otherwise. */
    static final Gen<String> KEYS = oneOf(of(ENVELOPE_FIELDS), strings(8));

    /** Any JSON value, nested up to {@code depth}. */
    static Gen<JsonNode> value(int depth) {
        return json(depth, KEYS);
    }

    static Gen<JsonNode> object(int depth) {
        return jsonObject(depth, KEYS);
    }

    static Gen<String> ids() {
        return oneOf(
                ints().map(String::valueOf),
                longs().map(String::valueOf),
                of("0", "-1", "9007199254740993", "18446744073709551616", "-9223372036854775809",
                        "123456789012345678901234567890123456789012345678901234567890"),
                bigIntegers(40).map(String::valueOf),
                strings(40).map(s -> JsonRpcCodec.writeString(JSON.textNode(s))),
                of("\"1\"", "\"\"", "\"null\"", "\"0x10\"", "\"1.5\"", "\"\\u0000\"", "\"💥\"")); // strings that look like other things
    }

    static Gen<String> fractions() {
        Gen<Double> notWhole = r -> {
            double d;
            do {
                d = doubles().next(r);
            } while (d == Math.rint(d));
            return d;
        };
        return oneOf(notWhole.map(String::valueOf),
                of("1.0", "1.5", "-0.0", "1e2", "1E-2", "1e400", "0.1000000000000000000001"));
    }

    /** Method names the router knows, and a few it does not. */
    static final class McpMethodsSample {
        static final List<String> NAMES = List.of("initialize", "ping", "tools/list", "tools/call", "resources/read",
                "prompts/get", "notifications/initialized", "notifications/cancelled", "", "rpc.discover", "tools/call/");
    }
}
