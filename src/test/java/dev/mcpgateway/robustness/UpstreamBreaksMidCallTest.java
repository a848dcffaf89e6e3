package dev.mcpgateway.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcCodec;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An upstream that dies or talks nonsense in the middle of a call: the client gets a JSON-RPC error
 * naming the backend, at once (an "unavailable" error, not the 60 s timeout every backend here
 * keeps), never a 5xx or a hang; and the next request is served.
 */
@QuarkusTest
@WithTestResource(BreakingUpstreams.class)
class UpstreamBreaksMidCallTest {

    static final java.util.List<String> HTTP_FAULTS = BreakingUpstreams.HTTP_FAULTS;
    /** Far below every backend's 60 s timeout: an answer that waited for it fails the request. */
    static final Duration GUARD = Duration.ofSeconds(30);

    @TestHTTPResource("/mcp")
    URI mcp;

    static HttpClient http;
    String session;

    @BeforeAll
    static void client() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void close() {
        if (http != null) {
            http.close();
        }
    }

    @BeforeEach
    void initialize() throws Exception {
        HttpResponse<String> r = http.send(post(null, """
                {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},
                 "clientInfo":{"name":"breaks","version":"1"}}}"""), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        session = r.headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    HttpRequest post(String sessionId, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(mcp).timeout(GUARD).header("Accept", FuzzRequests.ACCEPT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (sessionId != null) {
            b.header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", "2025-06-18");
        }
        return b.build();
    }

    JsonNode call(String tool, String arguments) throws Exception {
        HttpResponse<String> r = http.send(post(session, """
                {"jsonrpc":"2.0","id":"c-1","method":"tools/call","params":{"name":"%s","arguments":%s}}"""
                .formatted(tool, arguments)), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonRpcCodec.parseTree(HttpFuzzTest.lastJson(r.body()).getBytes(StandardCharsets.UTF_8));
    }

    static void assertPromptErrorNaming(JsonNode answer, String backend) {
        assertThat(answer.path("id").asText()).isEqualTo("c-1");
        assertThat(answer.path("error").path("code").asInt()).as(answer.toString()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(answer.path("error").path("message").asText()).contains("'" + backend + "'");
        assertThat(answer.path("error").path("data").path("backend").asText()).isEqualTo(backend);
    }

    void assertNextRequestIsServed() throws Exception {
        assertThat(call("ok__work", "{}").path("result").path("content").path(0).path("text").asText()).isEqualTo("done");
    }

    @ParameterizedTest
    @FieldSource("HTTP_FAULTS")
    void anHttpUpstreamThatBreaksMidAnswerGivesAnErrorNamingIt(String fault) throws Exception {
        assertPromptErrorNaming(call(fault + "__work", "{}"), fault);
        assertNextRequestIsServed();
    }

    @Test
    void aStdioServerThatExitsMidCallGivesAnErrorNamingIt() throws Exception {
        assertPromptErrorNaming(call("crashy__work", "{}"), "crashy");
        assertNextRequestIsServed();
    }

    @Test
    void aRealUpstreamKilledMidCallGivesAnErrorNamingIt() throws Exception {
        // A long operation that reports progress: once the first progress arrives, the call is in flight upstream.
        HttpResponse<java.io.InputStream> r = http.send(post(session, """
                {"jsonrpc":"2.0","id":"c-1","method":"tools/call","params":{"name":"victim__trigger-long-running-operation",
                 "arguments":{"duration":30,"steps":30},"_meta":{"progressToken":"p1"}}}"""),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        JsonNode last = null;
        boolean killed = false;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.startsWith("data:") || line.length() <= 5) {
                    continue;
                }
                last = JsonRpcCodec.parseTree(line.substring(5).trim().getBytes(StandardCharsets.UTF_8));
                if (!killed && "notifications/progress".equals(last.path("method").asText())) {
                    // Read here, not injected: an injection point would fail the other test classes' app.
                    long pid = ConfigProvider.getConfig().getValue("test.victim.pid", Long.class);
                    ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
                    victim.descendants().forEach(ProcessHandle::destroyForcibly);
                    victim.destroyForcibly();
                    killed = true;
                }
            }
        }
        assertThat(killed).as("a progress notification arrived before the answer").isTrue();
        assertPromptErrorNaming(last, "victim");
        assertNextRequestIsServed();
        // And the dead backend keeps answering with its name, without a wait.
        assertPromptErrorNaming(call("victim__echo", "{\"message\":\"x\"}"), "victim");
    }
}
