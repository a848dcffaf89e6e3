package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.UpstreamTestKit.EVERYTHING;
import static dev.mcpgateway.upstream.UpstreamTestKit.NODE_DIR;
import static dev.mcpgateway.upstream.UpstreamTestKit.everything;
import static dev.mcpgateway.upstream.UpstreamTestKit.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.StdioIsolation;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;

/** Against the real server-everything over stdio (pinned in src/test/node). */
class StdioClientTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final UpstreamOwner OWNER_A = new UpstreamOwner("session-a", "alice");
    static final UpstreamOwner OWNER_B = new UpstreamOwner("session-b", "bob");

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();

    @BeforeAll
    static void findServer() {
        if (!Files.isRegularFile(EVERYTHING)) {
            fail("server-everything is not installed at " + EVERYTHING + "; run `npm ci` in " + NODE_DIR);
        }
    }

    @Test
    void sessionsOfOneOwnerShareItsProcessAndListTools() throws Exception {
        StdioClient client = client(Duration.ofSeconds(10));

        Future<UpstreamSession> first = client.open(initParams(false), Map.of(), OWNER_A);
        Future<UpstreamSession> second = client.open(initParams(false), Map.of(), OWNER_A);
        UpstreamSession a = get(first);
        UpstreamSession b = get(second);

        assertThat(a.sessionId()).startsWith(StdioClient.SESSION_PREFIX).doesNotContain("alice");
        // A process is initialized at the newest revision, whatever the first session asked.
        assertThat(a.protocolVersion()).isEqualTo(dev.mcpgateway.jsonrpc.ProtocolVersions.LATEST);
        assertThat(a.has("tools")).isTrue();
        assertThat(a.serverInfo().path("name").asText()).isEqualTo("mcp-servers/everything");
        assertThat(b).isEqualTo(a);
        long pid = client.pid(a);
        assertThat(pid).isPositive();

        JsonRpcResponse tools = get(client.request(a, new JsonRpcRequest(TextNode.valueOf("list-1"),
                McpMethods.TOOLS_LIST, null), UpstreamSink.DISCARD));
        assertThat(tools.id()).isEqualTo(TextNode.valueOf("list-1"));
        List<String> names = new ArrayList<>();
        tools.result().path("tools").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).contains("echo", "trigger-long-running-operation");

        // A third open of the same session later still finds the one process.
        get(client.open(initParams(false), Map.of(), OWNER_A));
        assertThat(client.pid(a)).isEqualTo(pid);
    }

    @Test
    void sessionsSharingAProcessWithTheSameIdAndProgressTokenGetTheirOwnAnswers() throws Exception {
        StdioClient client = client(Duration.ofSeconds(20), StdioIsolation.SHARED);
        UpstreamSession sessionA = get(client.open(initParams(false), Map.of(), OWNER_A));
        UpstreamSession sessionB = get(client.open(initParams(false), Map.of(), OWNER_B));
        assertThat(sessionA.sessionId()).isNull();
        assertThat(client.pid(sessionA)).isEqualTo(client.pid(sessionB));
        List<JsonRpcMessage> seenByA = Collections.synchronizedList(new ArrayList<>());
        List<JsonRpcMessage> seenByB = Collections.synchronizedList(new ArrayList<>());

        // Same id 1 and same token "p" in both sessions, sent at the same time.
        Future<JsonRpcResponse> a = client.request(sessionA, longRunning(IntNode.valueOf(1), 1, 2, TextNode.valueOf("p")),
                seenByA::add);
        Future<JsonRpcResponse> b = client.request(sessionB, longRunning(IntNode.valueOf(1), 1, 3, TextNode.valueOf("p")),
                seenByB::add);
        Future<JsonRpcResponse> echo = client.request(sessionB, echo(IntNode.valueOf(1), "from B"), UpstreamSink.DISCARD);

        JsonRpcResponse echoed = get(echo);
        assertThat(echoed.id()).isEqualTo(IntNode.valueOf(1));
        assertThat(text(echoed)).isEqualTo("Echo: from B");

        JsonRpcResponse ra = get(a);
        JsonRpcResponse rb = get(b);
        assertThat(ra.id()).isEqualTo(IntNode.valueOf(1));
        assertThat(rb.id()).isEqualTo(IntNode.valueOf(1));
        assertThat(text(ra)).contains("Steps: 2");
        assertThat(text(rb)).contains("Steps: 3");

        assertThat(progress(seenByA)).containsExactly(1, 2);
        assertThat(progress(seenByB)).containsExactly(1, 2, 3);
        for (JsonRpcMessage m : concat(seenByA, seenByB)) {
            if (m instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_PROGRESS.equals(n.method())) {
                assertThat(n.params().get("progressToken")).isEqualTo(TextNode.valueOf("p"));
            }
        }
    }

    @Test
    void timeoutNamesTheBackendAndTheProcessStaysUsable() throws Exception {
        StdioClient client = client(Duration.ofMillis(1500));
        UpstreamSession session = get(client.open(initParams(false)));

        Throwable error = failure(client.request(session, longRunning(IntNode.valueOf(5), 5, 1, null),
                UpstreamSink.DISCARD));

        assertThat(error).isInstanceOf(JsonRpcException.class);
        JsonRpcException e = (JsonRpcException) error;
        assertThat(e.error().code()).isEqualTo(ErrorCodes.UPSTREAM_TIMEOUT);
        assertThat(e.getMessage()).contains("'everything'").contains("1500 ms");
        assertThat(text(get(client.request(session, echo(IntNode.valueOf(6), "still here"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: still here");
    }

    @Test
    void restartsAfterTheProcessDies() throws Exception {
        StdioClient client = client(Duration.ofSeconds(15));
        UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));
        long pid = client.pid(session);
        List<JsonRpcMessage> seen = Collections.synchronizedList(new ArrayList<>());
        Future<JsonRpcResponse> inFlight = client.request(session,
                longRunning(IntNode.valueOf(1), 10, 10, TextNode.valueOf("t")), seen::add);
        // Running in the process when it dies, so it must fail rather than be retried.
        await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty());

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        Throwable error = failure(inFlight);
        assertThat(error).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(error.getMessage()).contains("'everything'").contains("process exited with code");

        // Sent while the process is down: it waits for the restart.
        JsonRpcResponse later = get(client.request(session, echo(IntNode.valueOf(2), "after restart"),
                UpstreamSink.DISCARD));
        assertThat(text(later)).isEqualTo("Echo: after restart");
        assertThat(client.pid(session)).isPositive().isNotEqualTo(pid);
    }

    @Test
    void commandThatDoesNotExistFailsFastWithAClearError() {
        BackendConfig config = new BackendConfig("missing", TransportKind.STDIO, null, Map.of(),
                "/nonexistent/mcp-server-that-is-not-there", List.of("stdio"), Map.of(), null, ToolFilter.ALLOW_ALL,
                Duration.ofSeconds(30));
        StdioClient client = peers.stdio(config, options());

        Throwable error = failure(client.open(initParams(false)));

        assertThat(error).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(error.getMessage()).contains("'missing'").contains("cannot start")
                .contains("/nonexistent/mcp-server-that-is-not-there");
        // Requests are not left waiting for a restart that cannot happen, nor hold a process slot.
        assertThat(client.processes()).isZero();
        UpstreamSession session = new UpstreamSession("missing", StdioClient.SESSION_PREFIX + "s:x", "2025-06-18",
                JSON.objectNode(), null);
        Throwable again = failure(client.request(session, echo(IntNode.valueOf(1), "x"), UpstreamSink.DISCARD));
        assertThat(again.getMessage()).contains("cannot start");
    }

    @Test
    void notificationsOfNoRequestGoToListeners() throws Exception {
        StdioClient client = client(Duration.ofSeconds(10));
        UpstreamSession session = get(client.open(initParams(false)));
        List<JsonRpcMessage> heard = Collections.synchronizedList(new ArrayList<>());
        List<JsonRpcMessage> duringRequest = Collections.synchronizedList(new ArrayList<>());
        UpstreamListener listener = get(client.listen(session, heard::add));
        JsonRpcRequest toggle = new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_CALL,
                toolParams("toggle-simulated-logging", JSON.objectNode(), null));

        try {
            get(client.request(session, toggle, duringRequest::add));

            await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream()
                    .anyMatch(m -> m instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_MESSAGE.equals(n.method())));
            assertThat(duringRequest).isEmpty();
        } finally {
            listener.close();
            get(client.request(session, toggle.withId(IntNode.valueOf(2)), UpstreamSink.DISCARD));
        }
    }

    @Test
    void serverRequestsReachTheSinkAndTheAnswerReachesTheServer() throws Exception {
        StdioClient client = client(Duration.ofSeconds(10));
        UpstreamSession session = get(client.open(initParams(true)));
        List<JsonRpcRequest> asked = Collections.synchronizedList(new ArrayList<>());
        UpstreamSink sink = message -> {
            if (message instanceof JsonRpcRequest q && "sampling/createMessage".equals(q.method())) {
                asked.add(q);
                ObjectNode result = JSON.objectNode().put("role", "assistant").put("model", "test-model");
                result.putObject("content").put("type", "text").put("text", "sampled by the test");
                client.send(session, JsonRpcResponse.result(q.id(), result));
            }
        };
        ObjectNode args = JSON.objectNode().put("prompt", "hello").put("maxTokens", 5);

        JsonRpcResponse response = get(client.request(session, new JsonRpcRequest(TextNode.valueOf("s-1"),
                McpMethods.TOOLS_CALL, toolParams("trigger-sampling-request", args, null)), sink));

        assertThat(asked).hasSize(1);
        assertThat(response.id()).isEqualTo(TextNode.valueOf("s-1"));
        assertThat(text(response)).contains("sampled by the test");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private StdioClient client(Duration timeout) {
        return client(timeout, StdioIsolation.SESSION);
    }

    private StdioClient client(Duration timeout, StdioIsolation isolation) {
        return peers.stdio(everything(timeout, isolation), options());
    }

    static ObjectNode initParams(boolean sampling) {
        ObjectNode params = JSON.objectNode();
        params.put("protocolVersion", "2025-06-18");
        ObjectNode caps = params.putObject("capabilities");
        if (sampling) {
            caps.putObject("sampling");
        }
        params.putObject("clientInfo").put("name", "upstream-test").put("version", "1");
        return params;
    }

    static ObjectNode toolParams(String tool, ObjectNode args, JsonNode progressToken) {
        ObjectNode params = JSON.objectNode().put("name", tool);
        params.set("arguments", args);
        if (progressToken != null) {
            params.putObject("_meta").set("progressToken", progressToken);
        }
        return params;
    }

    static JsonRpcRequest echo(JsonNode id, String message) {
        return new JsonRpcRequest(id, McpMethods.TOOLS_CALL,
                toolParams("echo", JSON.objectNode().put("message", message), null));
    }

    static JsonRpcRequest longRunning(JsonNode id, int seconds, int steps, JsonNode progressToken) {
        ObjectNode args = JSON.objectNode().put("duration", seconds).put("steps", steps);
        return new JsonRpcRequest(id, McpMethods.TOOLS_CALL, toolParams("trigger-long-running-operation", args, progressToken));
    }

    static String text(JsonRpcResponse response) {
        assertThat(response.isError()).as("error %s", response.error()).isFalse();
        return response.result().path("content").path(0).path("text").asText();
    }

    static List<Integer> progress(List<JsonRpcMessage> messages) {
        List<Integer> out = new ArrayList<>();
        for (JsonRpcMessage m : messages) {
            // The process may also ask the client something (it is offered roots): only progress counts here.
            if (m instanceof JsonRpcNotification n && McpMethods.NOTIFICATIONS_PROGRESS.equals(n.method())) {
                out.add(n.params().path("progress").asInt());
            }
        }
        return out;
    }

    private static List<JsonRpcMessage> concat(List<JsonRpcMessage> a, List<JsonRpcMessage> b) {
        List<JsonRpcMessage> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static <T> T get(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static Throwable failure(Future<?> future) {
        try {
            future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the future did not fail in time", e);
        }
        throw new AssertionError("the future succeeded");
    }
}
