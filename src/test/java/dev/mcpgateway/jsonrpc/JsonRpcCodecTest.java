package dev.mcpgateway.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** The wire model's contract: what is a message, what is refused with which code, ids kept as sent. */
class JsonRpcCodecTest {

    static JsonNode parse(String text) {
        return JsonRpcCodec.parseTree(text.getBytes(StandardCharsets.UTF_8));
    }

    static JsonRpcMessage decode(String text) {
        return JsonRpcCodec.decode(parse(text));
    }

    static String encode(JsonRpcMessage m) {
        return new String(JsonRpcCodec.encode(m), StandardCharsets.UTF_8);
    }

    static int code(Runnable r) {
        try {
            r.run();
        } catch (JsonRpcException e) {
            return e.error().code();
        }
        throw new AssertionError("no JsonRpcException");
    }

    @Test
    void stringIdStaysAStringEvenWhenItLooksLikeANumber() {
        JsonRpcRequest r = (JsonRpcRequest) decode("{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"method\":\"ping\"}");

        assertThat(r.id().isTextual()).isTrue();
        assertThat(encode(JsonRpcResponse.result(r.id(), JsonNodeFactory.instance.objectNode())))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":{}}");
    }

    @Test
    void numberIdStaysANumber() {
        JsonRpcRequest r = (JsonRpcRequest) decode("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");

        assertThat(r.id().isNumber()).isTrue();
        assertThat(encode(r)).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
    }

    @Test
    void idsBeyondLongAndBeyondJavaScriptPrecisionComeBackDigitForDigit() {
        for (String id : List.of("9007199254740993", "9223372036854775807", "9223372036854775808",
                "-9223372036854775809", "340282366920938463463374607431768211457")) {
            JsonRpcRequest r = (JsonRpcRequest) decode("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}");

            assertThat(r.id().bigIntegerValue()).isEqualTo(new BigInteger(id));
            assertThat(encode(JsonRpcResponse.result(r.id(), JsonNodeFactory.instance.objectNode())))
                    .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{}}");
        }
    }

    @Test
    void unicodeAndEscapesInStringIdsSurvive() {
        String wire = "{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0000b\\\"c\\\\💥\",\"method\":\"ping\"}";
        JsonRpcRequest r = (JsonRpcRequest) JsonRpcCodec.decode(parse(wire));

        assertThat(r.id().textValue()).isEqualTo("a\u0000b\"c\\💥");
        assertThat(parse(encode(r)).get("id")).isEqualTo(r.id());
    }

    @Test
    void idsThatAreNotAStringOrAnIntegerAreInvalidRequests() {
        for (String id : List.of("null", "1.5", "1.0", "1e2", "true", "[1]", "{\"a\":1}")) {
            assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}")))
                    .as(id).isEqualTo(ErrorCodes.INVALID_REQUEST);
        }
    }

    @Test
    void jsonrpcMustBeTheString2Point0() {
        for (String v : List.of("2.0", "2", "\"2\"", "\"1.0\"", "\" 2.0\"", "null", "{}")) {
            assertThat(code(() -> decode("{\"jsonrpc\":" + v + ",\"id\":1,\"method\":\"ping\"}")))
                    .as(v).isEqualTo(ErrorCodes.INVALID_REQUEST);
        }
        assertThat(code(() -> decode("{\"id\":1,\"method\":\"ping\"}"))).isEqualTo(ErrorCodes.INVALID_REQUEST);
    }

    @Test
    void trailingBytesAfterTheValueAreAParseError() {
        for (String body : List.of("{\"jsonrpc\":\"2.0\",\"method\":\"ping\"} x", "{}{}", "[] 1", "1 2")) {
            assertThat(code(() -> parse(body))).as(body).isEqualTo(ErrorCodes.PARSE_ERROR);
        }
        // Whitespace around the value is not a second value.
        assertThat(parse(" \r\n{\"a\":1}\n\t ").get("a").intValue()).isEqualTo(1);
    }

    @Test
    void emptyAndBlankBodiesAreParseErrors() {
        for (String body : List.of("", " ", "\n")) {
            assertThat(code(() -> parse(body))).as("'%s'", body).isEqualTo(ErrorCodes.PARSE_ERROR);
        }
    }

    @Test
    void nestingDeeperThanTheParserAllowsIsAParseError() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);

        assertThat(code(() -> parse(deep))).isEqualTo(ErrorCodes.PARSE_ERROR);
    }

    @Test
    void invalidUtf8IsAParseError() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertThat(code(() -> JsonRpcCodec.parseTree(body))).isEqualTo(ErrorCodes.PARSE_ERROR);
    }

    @Test
    void paramsMustBeAnObjectWhenPresent() {
        assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}")))
                .isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":\"x\"}")))
                .isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(((JsonRpcRequest) decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":null}")).params())
                .isNull();
    }

    @Test
    void metaMustBeAnObjectWhenPresent() {
        for (String meta : List.of("\"x\"", "null", "[1]", "7", "true")) {
            assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":" + meta
                    + "}}"))).as(meta).isEqualTo(ErrorCodes.INVALID_PARAMS);
            assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"_meta\":"
                    + meta + "}}"))).as(meta).isEqualTo(ErrorCodes.INVALID_PARAMS);
        }
        JsonRpcRequest ok = (JsonRpcRequest) decode(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{\"progressToken\":{}}}}");
        assertThat(ok.params().get("_meta").isObject()).isTrue();
    }

    @Test
    void methodWithoutIdIsANotificationAndIdWithResultOrErrorIsAResponse() {
        assertThat(decode("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .isInstanceOf(JsonRpcNotification.class);
        assertThat(decode("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":null}")).isInstanceOf(JsonRpcResponse.class);
        JsonRpcResponse error = (JsonRpcResponse) decode(
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
        assertThat(error.isError()).isTrue();
        assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"boom\"}")))
                .isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1}"))).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(code(() -> decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}"))).isEqualTo(ErrorCodes.INVALID_REQUEST);
    }

    @Test
    void batchesDecodeInOrderAndAnEmptyBatchIsInvalid() {
        List<JsonRpcMessage> all = JsonRpcCodec.decodeAll(parse(
                "[{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"method\":\"n\"},"
                        + "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}]"));

        assertThat(all).hasExactlyElementsOfTypes(JsonRpcRequest.class, JsonRpcNotification.class, JsonRpcResponse.class);
        assertThat(code(() -> JsonRpcCodec.decodeAll(parse("[]")))).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(code(() -> JsonRpcCodec.decodeAll(parse("[1]")))).isEqualTo(ErrorCodes.INVALID_REQUEST);
    }

    @Test
    void aResponseKeepsTheBytesItArrivedAsUntilChanged() {
        byte[] wire = "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{\"b\":1,\"a\":2}}".getBytes(StandardCharsets.UTF_8);
        JsonRpcResponse r = ((JsonRpcResponse) JsonRpcCodec.decode(JsonRpcCodec.parseTree(wire))).withWire(wire);

        assertThat(JsonRpcCodec.encode(r)).isSameAs(wire);
        assertThat(new String(JsonRpcCodec.encode(r.changed()), StandardCharsets.UTF_8))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"b\":1,\"a\":2}}");
        assertThatThrownBy(() -> JsonRpcCodec.decode(null)).isInstanceOf(JsonRpcException.class);
    }
}
