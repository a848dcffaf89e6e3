package dev.mcpgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Access-log lines: one request is one line, whatever its fields hold. */
class AccessLogTest {

    static Map<String, String> fields(String name) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("method", "tools/call");
        f.put("name", name);
        f.put("backend", "ev");
        f.put("session", "s1");
        f.put("principal", null);
        f.put("outcome", "ok");
        return f;
    }

    @Test
    void textEscapesControlCharactersAndQuotesWhatCouldPassForAField() {
        String line = new AccessLog(false).format(fields("x\nmethod=forged outcome=ok\u0000\u001b[31m"), 1.5);
        assertThat(line).doesNotContain("\n", "\u0000", "\u001b");
        assertThat(line).contains("name=\"x\\nmethod=forged outcome=ok\\u0000\\u001b[31m\"");
        assertThat(line).contains("principal=- ").endsWith("duration_ms=1.500");
        // Exactly one method= field that is not inside a quoted value.
        assertThat(line.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")).containsOnlyOnce("method=");
    }

    @Test
    void plainValuesStayReadable() {
        assertThat(AccessLog.text("everything__echo")).isEqualTo("everything__echo");
        assertThat(AccessLog.text("")).isEqualTo("-");
        assertThat(AccessLog.text(null)).isEqualTo("-");
        assertThat(AccessLog.text("a\"b")).isEqualTo("\"a\\\"b\"");
        assertThat(AccessLog.text("back\\slash")).isEqualTo("back\\\\slash");
    }

    @Test
    void durationsHaveThreeDecimals() {
        assertThat(AccessLog.millis(new StringBuilder(), 1.5)).hasToString("1.500");
        assertThat(AccessLog.millis(new StringBuilder(), 0.0004)).hasToString("0.000");
        assertThat(AccessLog.millis(new StringBuilder(), 0.042)).hasToString("0.042");
        assertThat(AccessLog.millis(new StringBuilder(), 12.3456)).hasToString("12.346");
        assertThat(AccessLog.millis(new StringBuilder(), 30000.25)).hasToString("30000.250");
    }

    @Test
    void jsonIsOneObjectPerLine() throws Exception {
        String line = new AccessLog(true).format(fields("x\n{\"forged\":true}\u0000"), 2.25);
        assertThat(line).doesNotContain("\n", "\u0000");
        JsonNode parsed = new ObjectMapper().readTree(line);
        assertThat(parsed.path("name").asText()).isEqualTo("x\n{\"forged\":true}\u0000");
        assertThat(parsed.path("principal").asText()).isEqualTo("-");
        assertThat(parsed.path("duration_ms").asDouble()).isEqualTo(2.25);
        assertThat(parsed.has("forged")).isFalse();
    }
}
