package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.StdioClientTest.OWNER_A;
import static dev.mcpgateway.upstream.StdioClientTest.failure;
import static dev.mcpgateway.upstream.StdioClientTest.get;
import static dev.mcpgateway.upstream.StdioClientTest.initParams;
import static dev.mcpgateway.upstream.StdioClientTest.text;
import static dev.mcpgateway.upstream.StdioClientTest.toolParams;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.ErrorCodes;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.JsonRpcResponse;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;
import io.vertx.core.Future;

/**
 * What a misbehaving stdio process feeds the gateway stays bounded, and a fault fails only what it
 * touches. A small hand-written server (server-everything writes neither garbage nor endless
 * lines): each tool name is a fault.
 */
class StdioBoundsTest {

    private static final int MAX_MESSAGE = 64 * 1024;

    /** A JSON-RPC server on stdin/stdout; argv[1] "deaf" stops reading its input once initialized. */
    private static final String FAKE = """
            const fs = require('fs');
            const deaf = process.argv[1] === 'deaf';
            const send = m => process.stdout.write(JSON.stringify(m) + '\\n');
            function handle(m) {
              if (m.method === 'initialize') {
                send({jsonrpc: '2.0', id: m.id, result: {protocolVersion: m.params.protocolVersion,
                  capabilities: {tools: {}}, serverInfo: {name: 'fake', version: '1'}}});
                return;
              }
              if (m.id === undefined) return;
              const tool = m.params && m.params.name;
              const size = m.params && m.params.arguments && m.params.arguments.size;
              const id = JSON.stringify(m.id);
              if (tool === 'long-answer') {
                // The id last, as the TypeScript SDK writes it, with an "id" nested before it.
                process.stdout.write('{"jsonrpc":"2.0","result":{"content":[{"type":"text","id":7,"text":"'
                  + 'x'.repeat(size) + '"}]},"id":' + id + '}\\n');
              } else if (tool === 'long-batch') {
                process.stdout.write('[{"jsonrpc":"2.0","id":' + id + ',"result":{"text":"' + 'y'.repeat(size) + '"}}]\\n');
              } else if (tool === 'garbage') {
                process.stdout.write('this is not json\\n{"jsonrpc": "2.0", "id": \\n\\n[1, 2\\n');
                send({jsonrpc: '2.0', id: m.id, result: {content: [{type: 'text', text: 'after garbage'}]}});
              } else if (tool === 'crash') {
                process.exit(3);
              } else {
                send({jsonrpc: '2.0', id: m.id, result: {content: [{type: 'text', text: 'ok ' + tool}]}});
              }
            }
            if (deaf) {
              // Reads up to the line of initialize (after the server/discover probe), then never reads again.
              const b = Buffer.alloc(1);
              for (let m = {}; m.method !== 'initialize';) {
                let line = '';
                while (!line.endsWith('\\n')) { if (fs.readSync(0, b, 0, 1) === 1) line += b.toString(); }
                m = JSON.parse(line);
                handle(m);
              }
              setInterval(() => {}, 1 << 30);
            } else {
              require('readline').createInterface({input: process.stdin}).on('line', l => handle(JSON.parse(l)));
            }
            """;

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();

    @Test
    void anOverLongLineFailsTheRequestItAnsweredAndReadingGoesOn() throws Exception {
        StdioClient client = client("normal", Duration.ofSeconds(60));
        UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));

        Throwable error = failure(client.request(session, call(1, "long-answer", 4 * MAX_MESSAGE), UpstreamSink.DISCARD));

        assertThat(error).isInstanceOf(JsonRpcException.class);
        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(error.getMessage()).contains("'fake'").contains("over the limit of " + MAX_MESSAGE)
                .contains("mcp-gateway.upstream.max-message-size");
        assertThat(text(get(client.request(session, call(2, "after", 0), UpstreamSink.DISCARD)))).isEqualTo("ok after");
    }

    @Test
    void anOverLongLineWhoseRequestCannotBeToldIsSkippedAndTheCallTimesOut() throws Exception {
        StdioClient client = client("normal", Duration.ofSeconds(2));
        UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));

        Throwable error = failure(client.request(session, call(1, "long-batch", 4 * MAX_MESSAGE), UpstreamSink.DISCARD));

        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_TIMEOUT);
        assertThat(text(get(client.request(session, call(2, "after", 0), UpstreamSink.DISCARD)))).isEqualTo("ok after");
    }

    @Test
    void garbageOnStdoutIsSkipped() throws Exception {
        StdioClient client = client("normal", Duration.ofSeconds(20));
        UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));

        assertThat(text(get(client.request(session, call(1, "garbage", 0), UpstreamSink.DISCARD))))
                .isEqualTo("after garbage");
        assertThat(text(get(client.request(session, call(2, "after", 0), UpstreamSink.DISCARD)))).isEqualTo("ok after");
    }

    @Test
    void aProcessThatDiesMidCallFailsItPromptlyNamingTheBackend() throws Exception {
        // Far longer than the test waits: only the exit can end the call in time.
        StdioClient client = client("normal", Duration.ofMinutes(5));
        UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));

        Throwable error = failure(client.request(session, call(1, "crash", 0), UpstreamSink.DISCARD));

        assertThat(((JsonRpcException) error).error().code()).isEqualTo(ErrorCodes.UPSTREAM_UNAVAILABLE);
        assertThat(error.getMessage()).contains("'fake'").contains("exited with code 3");
    }

    @Test
    void aProcessThatStopsReadingFailsNewRequestsInsteadOfQueueingWithoutEnd() throws Exception {
        StdioClient client = client("deaf", Duration.ofSeconds(60));
        UpstreamSession session = get(client.open(initParams(false), Map.of(), OWNER_A));
        String padding = "p".repeat(4096);
        List<Future<JsonRpcResponse>> calls = new ArrayList<>();

        // Far more than the pipe (64 KiB on Linux) and the queue (twice the message bound) hold.
        for (int i = 0; i < 200; i++) {
            JsonRpcRequest r = call(i, "echo", 0);
            ((com.fasterxml.jackson.databind.node.ObjectNode) r.params().get("arguments")).put("padding", padding);
            calls.add(client.request(session, r, UpstreamSink.DISCARD));
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> calls.stream().anyMatch(Future::failed));
        Throwable error = calls.stream().filter(Future::failed).findFirst().orElseThrow().cause();
        assertThat(error.getMessage()).contains("'fake'").contains("not reading its input")
                .contains(String.valueOf(2 * MAX_MESSAGE));
        assertThat(calls.stream().filter(Future::failed).count()).isGreaterThan(100);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private StdioClient client(String mode, Duration timeout) {
        BackendConfig config = new BackendConfig("fake", TransportKind.STDIO, null, Map.of(), UpstreamTestKit.node(),
                List.of("-e", FAKE, mode), Map.of(), null, ToolFilter.ALLOW_ALL, timeout);
        return peers.stdio(config, UpstreamTestKit.options(10, MAX_MESSAGE, Duration.ofMinutes(10), new ProcessBudget(4)));
    }

    private static JsonRpcRequest call(int id, String tool, int size) {
        return new JsonRpcRequest(IntNode.valueOf(id), McpMethods.TOOLS_CALL,
                toolParams(tool, JsonNodeFactory.instance.objectNode().put("size", size), null));
    }
}
