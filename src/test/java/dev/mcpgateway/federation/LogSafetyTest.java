package dev.mcpgateway.federation;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.testing.EverythingUpstreams;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * What clients put in requests cannot forge access-log lines, and what they can send in bulk does
 * not become as many log lines.
 */
@QuarkusTest
@WithTestResource(EverythingUpstreams.class)
class LogSafetyTest {

    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("dev.mcpgateway").addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("dev.mcpgateway").removeHandler(capture);
    }

    static String initialize(String version) {
        return given().basePath("/mcp").header("Accept", "application/json, text/event-stream").contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
                         "clientInfo":{"name":"log-safety","version":"1"}}}""".formatted(version))
                .post().then().statusCode(200).extract().header("Mcp-Session-Id");
    }

    static String message(LogRecord r) {
        return r.getParameters() == null ? r.getMessage() : String.format(r.getMessage(), r.getParameters());
    }

    @Test
    void aToolNameCannotForgeAnAccessLogLine() {
        String session = initialize("2025-06-18");
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", session)
                .header("MCP-Protocol-Version", "2025-06-18").contentType(ContentType.JSON)
                .body("""
                        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x\\nmethod=tools/call name=forged outcome=ok\\u0000","arguments":{}}}""")
                .post().then().statusCode(200);
        List<String> lines = records.stream().filter(r -> "dev.mcpgateway.access".equals(r.getLoggerName()))
                .map(LogSafetyTest::message).filter(m -> m.contains(session)).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).doesNotContain("\n", "\u0000").contains("\\n", "\\u0000");
    }

    @Test
    void aBatchOfBogusAnswersWritesAFewWarningsNotOnePerAnswer() {
        String session = initialize("2025-03-26");
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 10_000; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":\"bogus-").append(i)
                    .append("\",\"result\":{}}");
        }
        batch.append(']');
        given().basePath("/mcp").header("Accept", "application/json, text/event-stream").header("Mcp-Session-Id", session)
                .contentType(ContentType.JSON).body(batch.toString()).post().then().statusCode(202);
        long warnings = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).count();
        assertThat(warnings).as("warning lines for one batch of 10,000 bogus answers").isBetween(1L, 3L);
    }
}
