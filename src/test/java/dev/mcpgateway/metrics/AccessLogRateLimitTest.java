package dev.mcpgateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The rate-limit decision in both forms of the access line, and its absence where no rule counted. */
class AccessLogRateLimitTest {

    private static List<String> lines(boolean json, String rule, String decision) {
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
        AccessLog log = new AccessLog(json, new BatchedLines(out, 1 << 16, Duration.ofHours(1), "test-access-log"));
        log.request("tools/call", "ev__echo", "ev", "s1", "apikey:alice", "limited", 0.5, rule, decision);
        log.close();
        return List.of(writes.get(0).split("\n"));
    }

    @Test
    void textAndJsonCarryTheRuleAndDecision() throws Exception {
        assertThat(lines(false, "per-user", "limited").get(0)).endsWith(
                "method=tools/call name=ev__echo backend=ev session=s1 principal=apikey:alice outcome=limited "
                        + "rate_limit=per-user:limited duration_ms=0.500");
        JsonNode json = new ObjectMapper().readTree(lines(true, "per-user", "allowed_local").get(0));
        assertThat(json.path("rate_limit").asText()).isEqualTo("per-user:allowed_local");
        assertThat(json.path("outcome").asText()).isEqualTo("limited");
    }

    @Test
    void aRequestNoRuleCountedHasNoRateLimitField() throws Exception {
        assertThat(lines(false, null, null).get(0)).doesNotContain("rate_limit");
        assertThat(new ObjectMapper().readTree(lines(true, null, null).get(0)).has("rate_limit")).isFalse();
    }
}
