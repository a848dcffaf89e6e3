package dev.mcpgateway.upstream;

import static dev.mcpgateway.upstream.StdioClientTest.OWNER_A;
import static dev.mcpgateway.upstream.StdioClientTest.OWNER_B;
import static dev.mcpgateway.upstream.StdioClientTest.failure;
import static dev.mcpgateway.upstream.StdioClientTest.get;
import static dev.mcpgateway.upstream.StdioClientTest.initParams;
import static dev.mcpgateway.upstream.StdioClientTest.text;
import static dev.mcpgateway.upstream.UpstreamTestKit.NODE_DIR;
import static dev.mcpgateway.upstream.UpstreamTestKit.node;
import static dev.mcpgateway.upstream.UpstreamTestKit.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.config.BackendConfig;
import dev.mcpgateway.config.StdioIsolation;
import dev.mcpgateway.config.ToolFilter;
import dev.mcpgateway.config.TransportKind;
import dev.mcpgateway.jsonrpc.JsonRpcException;
import dev.mcpgateway.jsonrpc.JsonRpcNotification;
import dev.mcpgateway.jsonrpc.JsonRpcRequest;
import dev.mcpgateway.jsonrpc.McpMethods;
import dev.mcpgateway.jsonrpc.ModernMeta;
import dev.mcpgateway.jsonrpc.ProtocolVersions;
import dev.mcpgateway.upstream.UpstreamTestKit.VertxPerTest;

/**
 * The stdio client toward a 2026-07-28 server (modern-stdio-upstream.mjs, the TypeScript SDK v2
 * {@code serveStdio}) and toward servers the {@code server/discover} probe must not mistake for one.
 */
class StdioModernTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final AtomicLong IDS = new AtomicLong();

    /** Answers initialize, and tools/call with the methods it read; silent to anything else, as some legacy servers are. */
    private static final String SILENT = """
            const seen = [];
            const send = m => process.stdout.write(JSON.stringify(m) + '\\n');
            require('readline').createInterface({input: process.stdin}).on('line', l => {
              const m = JSON.parse(l);
              seen.push(m.method);
              if (m.method === 'initialize') send({jsonrpc: '2.0', id: m.id, result: {protocolVersion: m.params.protocolVersion,
                  capabilities: {tools: {}}, serverInfo: {name: 'silent', version: '1'}}});
              else if (m.method === 'tools/call') send({jsonrpc: '2.0', id: m.id, result: {content: [{type: 'text',
                  text: JSON.stringify(seen)}]}});
            });
            """;

    /**
     * A legacy server that dies of a request before initialize, as older Python SDK servers did
     * ("Received request before initialization was complete" ended their task group).
     */
    private static final String FRAGILE = """
            let initialized = false;
            const send = m => process.stdout.write(JSON.stringify(m) + '\\n');
            require('readline').createInterface({input: process.stdin}).on('line', l => {
              const m = JSON.parse(l);
              if (m.method === 'initialize') {
                initialized = true;
                send({jsonrpc: '2.0', id: m.id, result: {protocolVersion: m.params.protocolVersion,
                  capabilities: {tools: {}}, serverInfo: {name: 'fragile', version: '1'}}});
              } else if (!initialized) {
                process.stderr.write('Received request before initialization was complete\\n');
                process.exit(1);
              } else if (m.id !== undefined) {
                send({jsonrpc: '2.0', id: m.id, result: {content: [{type: 'text', text: 'pid ' + process.pid}]}});
              }
            });
            """;

    /**
     * A 2026-07-28 server that ends the first subscriptions/listen it gets with notifications/cancelled
     * ("On stdio, the server also sends this notification, solely to terminate a subscriptions/listen
     * stream"), and sends a list change on the second.
     */
    private static final String ENDS_LISTEN = """
            let listens = 0;
            const send = m => process.stdout.write(JSON.stringify(m) + '\\n');
            const tagged = (id, params) => ({...params, _meta: {'io.modelcontextprotocol/subscriptionId': id}});
            require('readline').createInterface({input: process.stdin}).on('line', l => {
              const m = JSON.parse(l);
              if (m.method === 'server/discover') send({jsonrpc: '2.0', id: m.id, result: {resultType: 'complete',
                  supportedVersions: ['2026-07-28'], capabilities: {tools: {listChanged: true}}}});
              else if (m.method === 'subscriptions/listen') {
                listens++;
                send({jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged',
                    params: tagged(m.id, {notifications: {toolsListChanged: true}})});
                if (listens === 1) send({jsonrpc: '2.0', method: 'notifications/cancelled', params: {requestId: m.id}});
                else send({jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: tagged(m.id, {})});
              }
            });
            """;

    /** A modern server that speaks only a revision the gateway does not know. */
    private static final String FUTURE = """
            require('readline').createInterface({input: process.stdin}).on('line', l => {
              const m = JSON.parse(l);
              if (m.id !== undefined) process.stdout.write(JSON.stringify({jsonrpc: '2.0', id: m.id, error: {code: -32022,
                  message: 'Unsupported protocol version', data: {supported: ['2099-01-01'], requested: '2026-07-28'}}}) + '\\n');
            });
            """;

    @RegisterExtension
    final VertxPerTest peers = new VertxPerTest();

    @Test
    void aSharedProcessIsProbedOnceAndServedWithoutInitialize() throws Exception {
        StdioClient client = modern(StdioIsolation.SHARED);
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));
        UpstreamSession b = get(client.open(initParams(false), Map.of(), OWNER_B));

        assertThat(a.protocolVersion()).isEqualTo(ProtocolVersions.V2026_07_28);
        assertThat(a.has("tools")).isTrue();
        assertThat(a.serverInfo().path("name").asText()).isEqualTo("modern-stdio-upstream");
        assertThat(b.protocolVersion()).isEqualTo(ProtocolVersions.V2026_07_28);
        assertThat(text(get(client.request(a, call("echo", JSON.objectNode().put("message", "hi")), UpstreamSink.DISCARD))))
                .isEqualTo("Echo: hi");
        JsonNode who = whoami(client, b);
        assertThat(MAPPER.convertValue(who.path("received"), List.class)).containsExactly("server/discover", "tools/call",
                "tools/call");
        assertThat(client.processes()).isEqualTo(1);
    }

    @Test
    void listenersOnOneProcessGetTheNotificationsOfTheirOwnSubscription() throws Exception {
        StdioClient client = modern(StdioIsolation.SHARED);
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));
        List<JsonNode> heardA = new CopyOnWriteArrayList<>();
        List<JsonNode> heardB = new CopyOnWriteArrayList<>();
        UpstreamListener la = get(client.listen(a, m -> heardA.add(((JsonRpcNotification) m).params())));
        UpstreamListener lb = get(client.listen(a, m -> heardB.add(((JsonRpcNotification) m).params())));

        get(client.request(a, call("trigger_list_changed", JSON.objectNode()), UpstreamSink.DISCARD));

        await().atMost(Duration.ofSeconds(10)).until(() -> heardA.size() == 1 && heardB.size() == 1);
        // The gateway's own subscription id does not travel on.
        assertThat(heardA.get(0) == null || !heardA.get(0).path("_meta").has(ModernMeta.SUBSCRIPTION_ID)).isTrue();
        la.close();
        lb.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> MAPPER.convertValue(whoami(client, a).path("received"),
                List.class).stream().filter("notifications/cancelled"::equals).count() == 2);
    }

    @Test
    void aListenIsSentAgainToTheRestartedProcess() throws Exception {
        StdioClient client = modern(StdioIsolation.SESSION);
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));
        List<JsonRpcNotification> heard = new CopyOnWriteArrayList<>();
        get(client.listen(a, m -> heard.add((JsonRpcNotification) m)));
        long first = client.pid(a);

        ProcessHandle.of(first).orElseThrow().destroy();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pid(a) > 0 && client.pid(a) != first);
        // The era is known: the new process is neither probed nor initialized, and hears the listen again.
        await().atMost(Duration.ofSeconds(20)).until(() -> MAPPER.convertValue(whoami(client, a).path("received"),
                List.class).contains("subscriptions/listen"));
        assertThat(MAPPER.convertValue(whoami(client, a).path("received"), List.class)).doesNotContain("server/discover",
                "initialize");
        get(client.request(a, call("trigger_list_changed", JSON.objectNode()), UpstreamSink.DISCARD));
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream()
                .anyMatch(n -> McpMethods.NOTIFICATIONS_TOOLS_LIST_CHANGED.equals(n.method())));
    }

    @Test
    void aListenTheServerCancelsIsSentAgain() throws Exception {
        StdioClient client = fake("ends-listen", ENDS_LISTEN, Duration.ofSeconds(10));
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));
        List<JsonRpcNotification> heard = new CopyOnWriteArrayList<>();

        get(client.listen(a, m -> heard.add((JsonRpcNotification) m)));

        await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream()
                .anyMatch(n -> McpMethods.NOTIFICATIONS_TOOLS_LIST_CHANGED.equals(n.method())));
        assertThat(heard).extracting(JsonRpcNotification::method).doesNotContain(McpMethods.NOTIFICATIONS_CANCELLED);
    }

    @Test
    void aServerSilentToTheProbeIsInitializedOnTheSameProcess() throws Exception {
        StdioClient client = fake("silent", SILENT, Duration.ofSeconds(2));
        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));

        assertThat(a.protocolVersion()).isEqualTo(ProtocolVersions.LATEST);
        // The unanswered probe is not cancelled: the server never knew of it as a request to stop.
        assertThat(text(get(client.request(a, call("seen", JSON.objectNode()), UpstreamSink.DISCARD))))
                .isEqualTo("[\"server/discover\",\"initialize\",\"notifications/initialized\",\"tools/call\"]");
        // Remembered for the backend: the next process is initialized without a probe.
        UpstreamSession b = get(client.open(initParams(true), Map.of(), OWNER_B));
        assertThat(text(get(client.request(b, call("seen", JSON.objectNode()), UpstreamSink.DISCARD))))
                .isEqualTo("[\"initialize\",\"notifications/initialized\",\"tools/call\"]");
    }

    @Test
    void aServerThatDiesOfTheProbeIsRestartedAndInitialized() throws Exception {
        StdioClient client = fake("fragile", FRAGILE, Duration.ofSeconds(10));

        UpstreamSession a = get(client.open(initParams(true), Map.of(), OWNER_A));

        assertThat(a.protocolVersion()).isEqualTo(ProtocolVersions.LATEST);
        assertThat(text(get(client.request(a, call("any", JSON.objectNode()), UpstreamSink.DISCARD))))
                .isEqualTo("pid " + client.pid(a));
    }

    @Test
    void aModernServerWithNoRevisionInCommonIsRefusedNamingItsRevisions() {
        StdioClient client = fake("future", FUTURE, Duration.ofSeconds(5));

        Throwable error = failure(client.open(initParams(true), Map.of(), OWNER_A));

        assertThat(error).isInstanceOf(JsonRpcException.class);
        assertThat(error.getMessage()).contains("'future'").contains("2099-01-01");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private StdioClient modern(StdioIsolation isolation) {
        BackendConfig config = new BackendConfig("modern", TransportKind.STDIO, null, Map.of(), node(),
                List.of(NODE_DIR.resolve("modern-stdio-upstream.mjs").toString()), Map.of(), NODE_DIR.toString(),
                ToolFilter.ALLOW_ALL, Duration.ofSeconds(20)).withIsolation(isolation);
        return peers.stdio(config, options());
    }

    private StdioClient fake(String name, String script, Duration timeout) {
        BackendConfig config = new BackendConfig(name, TransportKind.STDIO, null, Map.of(), node(),
                List.of("-e", script), Map.of(), null, ToolFilter.ALLOW_ALL, timeout);
        return peers.stdio(config, options());
    }

    /** A tools/call as the router sends it to a 2026-07-28 upstream: with the _meta envelope. */
    private static JsonRpcRequest call(String tool, ObjectNode args) {
        ObjectNode params = JSON.objectNode().put("name", tool);
        params.set("arguments", args);
        ObjectNode meta = params.putObject("_meta");
        meta.put(ModernMeta.PROTOCOL_VERSION, ProtocolVersions.V2026_07_28);
        meta.putObject(ModernMeta.CLIENT_CAPABILITIES);
        return new JsonRpcRequest(LongNode.valueOf(IDS.incrementAndGet()), McpMethods.TOOLS_CALL, params);
    }

    private static JsonNode whoami(StdioClient client, UpstreamSession session) throws Exception {
        return MAPPER.readTree(text(get(client.request(session, call("whoami", JSON.objectNode()), UpstreamSink.DISCARD))));
    }
}
