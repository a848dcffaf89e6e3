package dev.mcpgateway.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;

class CompositeCursorTest {

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static void refused(String cursor) {
        assertThatThrownBy(() -> CompositeCursor.decode(cursor)).as(cursor).isInstanceOf(JsonRpcException.class)
                .satisfies(e -> assertThat(((JsonRpcException) e).error().code()).isEqualTo(ErrorCodes.INVALID_PARAMS));
    }

    @Test
    void roundTripKeepsEveryBackendItsCursorAndTheOrder() {
        Map<String, String> remaining = new LinkedHashMap<>();
        remaining.put("beta", "page-2");
        remaining.put("alpha", "eyJvcGFxdWUiOnRydWV9");
        remaining.put("a.b-c_d", "");
        remaining.put("unicode", "curseur é € 𝄞 \u0000 \"quoted\"");

        Map<String, String> back = CompositeCursor.decode(CompositeCursor.encode(remaining));

        assertThat(back).containsExactlyEntriesOf(remaining);
    }

    @Test
    void randomCursorsRoundTrip() {
        Random random = new Random(20261206);
        for (int i = 0; i < 500; i++) {
            Map<String, String> remaining = new LinkedHashMap<>();
            for (int n = 1 + random.nextInt(4); n > 0; n--) {
                remaining.put("b" + random.nextInt(100), randomString(random));
            }
            String cursor = CompositeCursor.encode(remaining);

            assertThat(cursor).matches("[A-Za-z0-9_-]+");
            assertThat(CompositeCursor.decode(cursor)).containsExactlyEntriesOf(remaining);
        }
    }

    @Test
    void noBackendWithMoreMeansNoCursor() {
        assertThat(CompositeCursor.encode(Map.of())).isNull();
    }

    @Test
    void malformedCursorsAreInvalidParams() {
        for (String cursor : List.of("", "!!!", "not base64 at all", "YQ", b64("[]"), b64("{}"), b64("\"s\""), b64("1"),
                b64("null"), b64("{\"a\":1}"), b64("{\"a\":null}"), b64("{\"a\":{\"b\":\"c\"}}"), b64("{\"a\":\"b\""),
                b64("[".repeat(5000)), b64("{\"a\":\"b\"}").substring(1), "%%%%", "a b", "==",
                Base64.getEncoder().encodeToString(new byte[]{(byte) 0xFF, (byte) 0xFE, 0, 1}))) {
            refused(cursor);
        }
    }

    @Test
    void arbitraryStringsAreDecodedOrRefusedWithInvalidParamsOnly() {
        Random random = new Random(42);
        for (int i = 0; i < 3000; i++) {
            String cursor = i % 2 == 0 ? randomString(random) : b64(randomString(random));
            try {
                Map<String, String> decoded = CompositeCursor.decode(cursor);
                assertThat(decoded).isNotEmpty();
            } catch (JsonRpcException e) {
                assertThat(e.error().code()).isEqualTo(ErrorCodes.INVALID_PARAMS);
            }
        }
    }

    static String randomString(Random random) {
        String alphabet = "ab{}[]\":,0\\ \u0000é€AZaz09-_=+/";
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(24); n > 0; n--) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
