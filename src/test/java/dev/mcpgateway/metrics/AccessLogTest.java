package dev.mcpgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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
    void standardOutputGetsManyLinesInOneWriteEachWithItsTime() throws Exception {
        List<String> writes = new CopyOnWriteArrayList<>();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("one byte at a time");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            }
        };
        BatchedLines lines = new BatchedLines(out, 1 << 20, Duration.ofHours(1), "test-access-log");
        AccessLog log = new AccessLog(false, lines);
        for (int i = 0; i < 3; i++) {
            log.request("tools/call", "ev__echo", "ev", "s" + i, null, "ok", 0.25);
        }
        assertThat(writes).isEmpty();
        log.close();
        assertThat(writes).hasSize(1);
        String[] written = writes.get(0).split("\n");
        assertThat(written).hasSize(3);
        assertThat(written[2]).matches("time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z method=tools/call "
                + "name=ev__echo backend=ev session=s2 principal=- outcome=ok duration_ms=0.250");
    }

    @Test
    void aStalledOutputHoldsAtMostItsBufferAndSaysWhatItDropped() {
        List<String> writes = new CopyOnWriteArrayList<>();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            }
        };
        BatchedLines lines = new BatchedLines(out, 1024, Duration.ofHours(1), "test-access-log");
        for (int i = 0; i < 100; i++) {
            lines.add("x".repeat(99));
        }
        lines.close();
        assertThat(writes).hasSize(1);
        assertThat(writes.get(0).length()).isLessThan(1024 + 200);
        assertThat(writes.get(0)).contains("access_log_dropped=90 ");
    }

    @Test
    void timesAreUtcWithMilliseconds() {
        assertThat(Timestamps.utc(Instant.parse("2026-12-06T12:00:47.003Z"))).isEqualTo("2026-12-06T12:00:47.003Z");
        assertThat(Timestamps.utc(Instant.parse("2026-12-06T12:00:48.123456Z"))).isEqualTo("2026-12-06T12:00:48.123Z");
        assertThat(Timestamps.utc(Instant.parse("2026-12-06T12:00:48.990Z"))).isEqualTo("2026-12-06T12:00:48.990Z");
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
