package dev.mcpgateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** circuitBreaker, maxConcurrent, failureMode and hideToolsWhenOpen read alike from both formats. */
class ResilienceConfigTest {

    static BackendConfig json(String fields) throws ConfigException {
        return McpServersParser.parse("servers.json", """
                {"mcpServers": {"web": {"url": "http://127.0.0.1:3001/mcp"%s}}}""".formatted(fields),
                Map.of("MAX", "8")::get).routes().get(0).backends().get(0);
    }

    static BackendConfig yaml(String fields) throws ConfigException {
        return McpRouteParserTest.route(McpRouteParserTest.localRef(fields), McpRouteParserTest.LOCAL_BACKEND).backends()
                .get(0);
    }

    @Test
    void defaultsWhenAbsent() throws Exception {
        assertThat(json("").resilience()).isEqualTo(Resilience.DEFAULT);
        assertThat(yaml("").resilience()).isEqualTo(Resilience.DEFAULT);
        assertThat(Resilience.DEFAULT.guarded()).isFalse();
    }

    @Test
    void bothFormatsReadEveryField() throws Exception {
        Resilience expected = new Resilience(5, Duration.ofMillis(1500), 64, Resilience.FailureMode.FAIL_CLOSED, true);
        assertThat(json("""
                , "circuitBreaker": {"failureThreshold": 5, "openFor": "1500ms"}, "maxConcurrent": 64,
                  "failureMode": "failClosed", "hideToolsWhenOpen": true""").resilience()).isEqualTo(expected);
        assertThat(yaml(", circuitBreaker: {failureThreshold: 5, openFor: 1500ms}, maxConcurrent: 64,"
                + " failureMode: failClosed, hideToolsWhenOpen: true").resilience()).isEqualTo(expected);
        // openFor defaults to 30 s; numbers may come from the environment.
        Resilience r = json(", \"circuitBreaker\": {\"failureThreshold\": 3}, \"maxConcurrent\": \"${MAX}\"").resilience();
        assertThat(r.openFor()).isEqualTo(Duration.ofSeconds(30));
        assertThat(r.maxConcurrent()).isEqualTo(8);
        assertThat(r.failureMode()).isEqualTo(Resilience.FailureMode.FAIL_OPEN);
        assertThat(r.guarded()).isTrue();
        assertThat(json(", \"failureMode\": \"failClosed\"").resilience().guarded()).isFalse();
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> json(", \"circuitBreaker\": {\"openFor\": \"5s\"}"))
                .hasMessageContaining("server \"web\": \"circuitBreaker\".failureThreshold: required");
        assertThatThrownBy(() -> json(", \"circuitBreaker\": {\"failureThreshold\": 0}"))
                .hasMessageContaining("failureThreshold: expected a whole number from 1");
        assertThatThrownBy(() -> json(", \"circuitBreaker\": {\"failureThreshold\": 2, \"openfor\": \"5s\"}"))
                .hasMessageContaining("unknown field \"openfor\"");
        assertThatThrownBy(() -> json(", \"circuitBreaker\": {\"failureThreshold\": 2, \"openFor\": \"soon\"}"))
                .hasMessageContaining("\"circuitBreaker\".openFor: expected seconds or a duration");
        assertThatThrownBy(() -> json(", \"maxConcurrent\": 2.5"))
                .hasMessageContaining("\"maxConcurrent\": expected a whole number");
        assertThatThrownBy(() -> json(", \"failureMode\": \"failSoft\""))
                .hasMessageContaining("\"failureMode\": expected failOpen or failClosed, got \"failSoft\"");
        assertThatThrownBy(() -> json(", \"hideToolsWhenOpen\": true"))
                .hasMessageContaining("\"hideToolsWhenOpen\": needs a circuitBreaker");
        assertThatThrownBy(() -> yaml(", maxConcurrent: -1"))
                .hasMessageContaining("spec.backendRefs[0].maxConcurrent: expected a whole number");
        assertThatThrownBy(() -> yaml(", circuitBreaker: {failureThreshold: 1, probes: 2}"))
                .hasMessageContaining("spec.backendRefs[0].circuitBreaker.probes: unknown field");
    }
}
