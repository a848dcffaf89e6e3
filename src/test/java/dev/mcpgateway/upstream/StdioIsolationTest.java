package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.StdioClientTest.OWNER_A;
import static dev.mcpgateway.upstream.StdioClientTest.OWNER_B;
import static dev.mcpgateway.upstream.StdioClientTest.echo;
import static dev.mcpgateway.upstream.StdioClientTest.failure;
import static dev.mcpgateway.upstream.StdioClientTest.get;
import static dev.mcpgateway.upstream.StdioClientTest.initParams;
import static dev.mcpgateway.upstream.StdioClientTest.longRunning;
import static dev.mcpgateway.upstream.StdioClientTest.text;
import static dev.mcpgateway.upstream.StdioClientTest.toolParams;
import static dev.mcpgateway.upstream.UpstreamTestKit.everything;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.mcpgateway.config.StdioIsolation;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcMessage;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;

/**
 * Which sessions share a stdio process, and that what a process asks reaches only a session it
 * serves: against server-everything, whose {@code trigger-sampling-request} tool asks the client
 * for a sampling while the call is in flight.
 */
class StdioIsolationTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int TRIALS = 8;

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();

    @Test
    void aSamplingRequestReachesOnlyTheSessionWhoseCallAskedForIt() throws Exception {
        StdioClient client = client(StdioIsolation.SESSION, UpstreamTestKit.options());
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));
        UpstreamSession b = get(client.open(initParams(true), Map.of(), OWNER_B));

        for (int trial = 0; trial < TRIALS; trial++) {
            List<JsonRpcRequest> askedA = Collections.synchronizedList(new ArrayList<>());
            List<JsonRpcMessage> seenByB = Collections.synchronizedList(new ArrayList<>());
            UpstreamSink sinkA = answeringSampling(client, a, askedA);
            JsonRpcRequest sampling = new JsonRpcRequest(IntNode.valueOf(trial), McpMethods.TOOLS_CALL,
                    toolParams("trigger-sampling-request", JSON.objectNode().put("prompt", "hi").put("maxTokens", 5),
                            null));
            JsonRpcRequest busy = longRunning(IntNode.valueOf(trial), 1, 1, null);
            Future<JsonRpcResponse> callA;
            Future<JsonRpcResponse> callB;
            // B's call goes out before A's in half the trials and right after it in the others: a
            // process shared by both would hand A's question to the latest call, B's.
            if (trial % 2 == 0) {
                callB = client.request(b, busy, seenByB::add);
                callA = client.request(a, sampling, sinkA);
            } else {
                callA = client.request(a, sampling, sinkA);
                callB = client.request(b, busy, seenByB::add);
            }

            assertThat(text(get(callA))).contains("sampled by the test");
            assertThat(askedA).hasSize(1);
            get(callB);
            // B's own process may ask B for its roots; A's question must never reach B.
            assertThat(seenByB).as("trial %d", trial).noneMatch(StdioIsolationTest::isSampling);
        }
    }

    @Test
    void aSharedProcessRefusesServerRequestsAndNobodySeesThem() throws Exception {
        StdioClient client = client(StdioIsolation.SHARED, UpstreamTestKit.options());
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));
        UpstreamSession b = get(client.open(initParams(true), Map.of(), OWNER_B));
        List<JsonRpcRequest> askedA = Collections.synchronizedList(new ArrayList<>());
        List<JsonRpcMessage> seenByB = Collections.synchronizedList(new ArrayList<>());

        Future<JsonRpcResponse> callB = client.request(b, longRunning(IntNode.valueOf(1), 1, 1, null), seenByB::add);
        JsonRpcResponse refused = get(client.request(a, new JsonRpcRequest(IntNode.valueOf(1), McpMethods.TOOLS_CALL,
                toolParams("trigger-sampling-request", JSON.objectNode().put("prompt", "hi").put("maxTokens", 5), null)),
                answeringSampling(client, a, askedA)));
        get(callB);

        // The tool's own request failed, so the tool reports an error.
        assertThat(refused.isError() || refused.result().path("isError").asBoolean())
                .as("answer %s", refused).isTrue();
        assertThat(askedA).isEmpty();
        assertThat(seenByB).noneMatch(m -> m instanceof JsonRpcRequest);
    }

    @Test
    void eachSessionHasItsOwnProcessAndCloseStopsIt() throws Exception {
        ProcessBudget budget = new ProcessBudget(8);
        StdioClient client = client(StdioIsolation.SESSION, options(budget, Duration.ofMinutes(10)));
        UpstreamSession a = get(client.open(initParams(false), Map.of(), OWNER_A));
        UpstreamSession b = get(client.open(initParams(false), Map.of(), OWNER_B));
        // The first session started a process (to learn what the server offers); B's starts on its first request.
        assertThat(budget.running()).isEqualTo(1);
        long pidA = client.pid(a);
        long pidB = started(client, b);

        assertThat(pidA).isPositive();
        assertThat(pidB).isPositive().isNotEqualTo(pidA);
        assertThat(a.sessionId()).isNotEqualTo(b.sessionId());
        assertThat(budget.running()).isEqualTo(2);

        get(client.close(a));

        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pidA).map(h -> !h.isAlive()).orElse(true));
        assertThat(client.pid(a)).isEqualTo(-1);
        assertThat(budget.running()).isEqualTo(1);
        assertThat(text(get(client.request(b, echo(IntNode.valueOf(1), "B lives"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: B lives");
        assertThat(client.pid(b)).isEqualTo(pidB);
    }

    @Test
    void sessionsOfOnePrincipalShareAProcessAndAnonymousOnesDoNot() throws Exception {
        StdioClient client = client(StdioIsolation.PRINCIPAL, UpstreamTestKit.options());
        UpstreamSession alice1 = get(client.open(initParams(false), Map.of(), new UpstreamOwner("s1", "alice")));
        UpstreamSession alice2 = get(client.open(initParams(false), Map.of(), new UpstreamOwner("s2", "alice")));
        UpstreamSession bob = get(client.open(initParams(false), Map.of(), new UpstreamOwner("s3", "bob")));
        UpstreamSession anon1 = get(client.open(initParams(false), Map.of(), new UpstreamOwner("s4", null)));
        UpstreamSession anon2 = get(client.open(initParams(false), Map.of(), new UpstreamOwner("s5", null)));

        assertThat(started(client, alice1)).isPositive().isEqualTo(started(client, alice2));
        assertThat(List.of(client.pid(alice1), started(client, bob), started(client, anon1), started(client, anon2)))
                .doesNotHaveDuplicates();
        // A principal's process outlives one of its sessions closing.
        get(client.close(alice1));
        assertThat(text(get(client.request(alice2, echo(IntNode.valueOf(1), "still"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: still");
    }

    @Test
    void theProcessCapRefusesANewProcessNamingTheSetting() throws Exception {
        ProcessBudget budget = new ProcessBudget(1);
        StdioClient client = client(StdioIsolation.SESSION, options(budget, Duration.ofMinutes(10)));
        UpstreamSession a = get(client.open(initParams(false), Map.of(), OWNER_A));

        // B opens without a process; its first request would need a second one.
        UpstreamSession waiting = get(client.open(initParams(false), Map.of(), OWNER_B));
        Throwable refused = failure(client.request(waiting, echo(IntNode.valueOf(2), "b"), UpstreamSink.DISCARD));

        assertThat(refused).isInstanceOf(JsonRpcException.class);
        assertThat(refused.getMessage()).contains("'everything'").contains("mcp-gateway.upstream.max-stdio-processes");
        // The session that holds the place still works; closing it frees the place.
        assertThat(text(get(client.request(a, echo(IntNode.valueOf(1), "x"), UpstreamSink.DISCARD)))).isEqualTo("Echo: x");
        get(client.close(a));
        UpstreamSession b = get(client.open(initParams(false), Map.of(), OWNER_B));
        assertThat(started(client, b)).isPositive();
        assertThat(budget.running()).isEqualTo(1);
    }

    @Test
    void sessionsThatOnlyInitializeStartNoProcess() throws Exception {
        ProcessBudget budget = new ProcessBudget(2);
        StdioClient client = client(StdioIsolation.SESSION, options(budget, Duration.ofMinutes(10)));
        UpstreamSession first = get(client.open(initParams(false), Map.of(), OWNER_A));
        List<UpstreamSession> idle = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idle.add(get(client.open(initParams(false), Map.of(), new UpstreamOwner("idle-" + i, null))));
        }
        assertThat(budget.running()).isEqualTo(1);
        assertThat(idle).allSatisfy(u -> assertThat(u.has("tools")).isTrue());
        assertThat(started(client, idle.get(7))).isPositive().isNotEqualTo(client.pid(first));
        assertThat(budget.running()).isEqualTo(2);
    }

    /** Starts the session's process (by a request) and answers its pid. */
    private static long started(StdioClient client, UpstreamSession session) throws Exception {
        get(client.request(session, echo(IntNode.valueOf(99), "start"), UpstreamSink.DISCARD));
        return client.pid(session);
    }

    @Test
    void anIdleProcessStopsAndTheNextRequestStartsOneForItsKey() throws Exception {
        ProcessBudget budget = new ProcessBudget(8);
        StdioClient client = client(StdioIsolation.SESSION, options(budget, Duration.ofMillis(500)));
        UpstreamSession a = get(client.open(initParams(false), Map.of(), OWNER_A));
        long pid = client.pid(a);

        await().atMost(Duration.ofSeconds(10)).until(() -> client.pid(a) == -1);
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        assertThat(budget.running()).isZero();

        // As on another replica of a cluster, where the session's process never ran.
        StdioClient elsewhere = client(StdioIsolation.SESSION, options(budget, Duration.ofMinutes(10)));
        assertThat(text(get(elsewhere.request(a, echo(TextNode.valueOf("e"), "elsewhere"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: elsewhere");
        assertThat(elsewhere.pid(a)).isPositive().isNotEqualTo(pid);
        assertThat(text(get(client.request(a, echo(TextNode.valueOf("h"), "here again"), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: here again");
        assertThat(client.pid(a)).isPositive().isNotEqualTo(pid).isNotEqualTo(elsewhere.pid(a));
    }

    @Test
    void aSessionOpenedWhileTheProcessWasSharedIsReportedEnded() {
        StdioClient client = client(StdioIsolation.SESSION, UpstreamTestKit.options());
        UpstreamSession legacy = new UpstreamSession("everything", null, "2025-06-18", JSON.objectNode(), null);

        Throwable error = failure(client.request(legacy, echo(IntNode.valueOf(1), "x"), UpstreamSink.DISCARD));

        assertThat(UpstreamErrors.isSessionExpired(error)).isTrue();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private StdioClient client(StdioIsolation isolation, UpstreamOptions options) {
        return peers.stdio(everything(Duration.ofSeconds(20), isolation), options);
    }

    private static UpstreamOptions options(ProcessBudget budget, Duration idle) {
        return UpstreamTestKit.options(10, UpstreamTestKit.options().maxMessageSize(), idle, budget);
    }

    private static boolean isSampling(JsonRpcMessage m) {
        return m instanceof JsonRpcRequest q && "sampling/createMessage".equals(q.method());
    }

    /** A client's sink that answers sampling requests the way a client would. */
    private static UpstreamSink answeringSampling(StdioClient client, UpstreamSession session,
            List<JsonRpcRequest> asked) {
        return message -> {
            if (message instanceof JsonRpcRequest q && "sampling/createMessage".equals(q.method())) {
                asked.add(q);
                ObjectNode result = JSON.objectNode().put("role", "assistant").put("model", "test-model");
                result.putObject("content").put("type", "text").put("text", "sampled by the test");
                client.send(session, JsonRpcResponse.result(q.id(), result));
            }
        };
    }
}
