package dev.mcpgateway.cluster;

import static dev.mcpgateway.testing.SdkClient.result;
import static dev.mcpgateway.testing.SdkClient.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.testing.GatewayCluster;
import dev.mcpgateway.testing.InfinispanServers;
import dev.mcpgateway.testing.NodePeers;
import dev.mcpgateway.testing.SdkClient;
import dev.mcpgateway.testing.TickingUpstream;

/**
 * The promise of the cluster, with real processes: 2 Infinispan nodes, 2 gateway replicas as
 * separate JVMs sharing them, HAProxy in front (round-robin per request, no stickiness),
 * server-everything upstreams, the official TypeScript SDK client and raw HTTP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String V = "2025-11-25";

    static GatewayCluster cluster;
    static InfinispanServers infinispan;
    static Process upstream;
    static TickingUpstream ticker;

    @BeforeAll
    static void startCluster() throws Exception {
        Assumptions.assumeTrue(GatewayCluster.haproxyInstalled(), "HAProxy is not installed");
        int upstreamPort = NodePeers.freePort();
        upstream = NodePeers.startEverythingHttp(upstreamPort);
        ticker = new TickingUpstream(50);
        List<String> stdio = NodePeers.everythingStdioCommand();
        cluster = GatewayCluster.start("cit", 2, """
                {"mcpServers": {"alpha": {"url": "http://127.0.0.1:%d/mcp"},
                                "gamma": {"command": "%s", "args": ["%s", "%s"]},
                                "ticker": {"url": "%s"},
                                "cached": {"url": "http://127.0.0.1:%d/mcp", "cache": {"ttl": "60s", "scope": "shared"}}}}"""
                .formatted(upstreamPort, stdio.get(0), stdio.get(1), stdio.get(2), ticker.url(), upstreamPort), Map.of());
        infinispan = cluster.infinispan();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        NodePeers.stop(upstream);
        if (ticker != null) {
            ticker.close();
        }
    }

    String lb() {
        return cluster.lb();
    }

    // ---- raw HTTP helpers ---------------------------------------------------------------------

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
            .build();

    HttpRequest.Builder request(String session) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(lb())).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .header("MCP-Protocol-Version", V);
        return session == null ? b : b.header("Mcp-Session-Id", session);
    }

    String initialize() throws Exception {
        HttpResponse<String> init = http.send(request(null).POST(HttpRequest.BodyPublishers.ofString("""
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
                 "clientInfo":{"name":"cluster-it","version":"1"}}}""".formatted(V))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return session;
    }

    HttpResponse<String> post(String session, String body) throws Exception {
        return http.send(request(session).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode lastMessage(HttpResponse<String> resp) throws IOException {
        String body = resp.body();
        if (resp.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            String last = null;
            for (String line : body.split("\n")) {
                if (line.startsWith("data:") && line.length() > 6) {
                    last = line.substring(5).trim();
                }
            }
            return MAPPER.readTree(last);
        }
        return MAPPER.readTree(body);
    }

    // ---- the scenarios ------------------------------------------------------------------------

    @Test
    @Order(0)
    void aToolResultCachedByOneReplicaIsAHitOnTheOther() throws Exception {
        // server-everything annotates echo read-only and idempotent; the backend "cached" caches it.
        String session = initialize();
        Set<String> servedBy = new HashSet<>();
        for (int i = 1; i <= 4; i++) {
            HttpResponse<String> r = post(session, "{\"jsonrpc\":\"2.0\",\"id\":" + i
                    + ",\"method\":\"tools/call\",\"params\":{\"name\":\"cached__echo\",\"arguments\":{\"message\":\"cached\"}}}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(lastMessage(r).path("result").path("content").get(0).path("text").asText()).isEqualTo("Echo: cached");
            servedBy.add(r.headers().firstValue("Mcp-Gateway-Replica").orElse("?"));
        }
        assertThat(servedBy).containsExactlyInAnyOrder("r0", "r1");
        long[] hits = new long[2];
        long misses = 0;
        for (int i = 0; i < 2; i++) {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(cluster.replica(i) + "/q/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            hits[i] = resultCacheCount(metrics, "hits");
            misses += resultCacheCount(metrics, "misses");
        }
        // One call reached the upstream; the replica that did not make it answered from the shared entry.
        assertThat(misses).as("misses on both replicas").isEqualTo(1);
        assertThat(hits[0] + hits[1]).isEqualTo(3);
        assertThat(hits[0]).as("hits on r0").isPositive();
        assertThat(hits[1]).as("hits on r1").isPositive();
    }

    static long resultCacheCount(String metrics, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("mcp_gateway_result_cache_" + name + "_total\\{backend=\"cached\"[^}]*} ([0-9.]+)").matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    @Order(1)
    void aSessionIsServedByBothReplicasIncludingSamplingAndElicitation() throws Exception {
        // Raw HTTP first: consecutive requests of one session land on alternating replicas.
        String session = initialize();
        Set<String> servedBy = new HashSet<>();
        for (int i = 1; i <= 6; i++) {
            HttpResponse<String> r = post(session, "{\"jsonrpc\":\"2.0\",\"id\":" + i
                    + ",\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"m" + i
                    + "\"}}}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(lastMessage(r).path("result").path("content").get(0).path("text").asText()).isEqualTo("Echo: m" + i);
            servedBy.add(r.headers().firstValue("Mcp-Gateway-Replica").orElse("?"));
        }
        assertThat(servedBy).containsExactlyInAnyOrder("r0", "r1");

        // The official SDK client through the load balancer: server-to-client round trips whose
        // request and answer travel through different replicas.
        ObjectNode s = SdkClient.scenario();
        s.putObject("elicitationResponse").put("name", "Ada");
        step(s, "sleep").put("ms", 800);
        step(s, "listTools");
        step(s, "callTool").put("name", "alpha__trigger-sampling-request").putObject("arguments").put("prompt", "cluster");
        step(s, "callTool").put("name", "alpha__trigger-elicitation-request").putObject("arguments");
        step(s, "callTool").put("name", "alpha__trigger-sampling-request").putObject("arguments").put("prompt", "again");
        step(s, "callTool").put("name", "alpha__trigger-elicitation-request").putObject("arguments");
        // A stdio backend is a process per replica: the answer, landing on the other replica, is handed over.
        step(s, "callTool").put("name", "gamma__trigger-sampling-request").putObject("arguments").put("prompt", "stdio one");
        step(s, "callTool").put("name", "gamma__trigger-elicitation-request").putObject("arguments");
        step(s, "callTool").put("name", "gamma__trigger-sampling-request").putObject("arguments").put("prompt", "stdio two");
        JsonNode report = SdkClient.run(lb(), s);
        assertThat(result(report, 2).path("content").toString()).contains("sampled: ").contains("cluster");
        assertThat(result(report, 3).path("content").toString()).contains("Ada");
        assertThat(result(report, 4).path("content").toString()).contains("again");
        assertThat(result(report, 5).path("content").toString()).contains("Ada");
        assertThat(result(report, 6).path("content").toString()).contains("sampled: ").contains("stdio one");
        assertThat(result(report, 7).path("content").toString()).contains("Ada");
        assertThat(result(report, 8).path("content").toString()).contains("sampled: ").contains("stdio two");
    }

    @Test
    @Order(2)
    void aNewEraClientsInputRoundTripSpansBothReplicas() throws Exception {
        // Raw 2026-07-28 HTTP: the call parks on one replica, the retry lands on the other.
        String body = """
                {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"alpha__trigger-elicitation-request",
                 "arguments":{},%s"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                 "io.modelcontextprotocol/clientCapabilities":{"elicitation":{}}}}}""";
        HttpResponse<String> first = modernPost(body.formatted(1, ""));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode asked = lastMessage(first).path("result");
        assertThat(asked.path("resultType").asText()).isEqualTo("input_required");
        String key = asked.path("inputRequests").fieldNames().next();
        ObjectNode responses = MAPPER.createObjectNode();
        responses.putObject(key).put("action", "accept").putObject("content").put("name", "Ada");
        String more = "\"inputResponses\":" + responses + ",\"requestState\":\"" + asked.path("requestState").asText()
                + "\",";
        HttpResponse<String> retry = modernPost(body.formatted(2, more));
        assertThat(lastMessage(retry).path("result").toString()).contains("Ada");
        assertThat(retry.headers().firstValue("Mcp-Gateway-Replica"))
                .as("round robin sends the retry to the other replica")
                .isNotEqualTo(first.headers().firstValue("Mcp-Gateway-Replica"));

        // The TypeScript SDK v2 client: input rounds toward the HTTP backend and the stdio one,
        // whose process lives on one replica while answers arrive at either.
        ObjectNode s = SdkClient.scenario();
        s.putObject("elicitationResponse").put("action", "accept").putObject("content").put("name", "Ada");
        s.put("samplingResponse", "from the v2 client");
        step(s, "callTool").put("name", "alpha__trigger-sampling-request").putObject("arguments").put("prompt", "x");
        step(s, "callTool").put("name", "gamma__trigger-elicitation-request").putObject("arguments");
        step(s, "callTool").put("name", "gamma__trigger-sampling-request").putObject("arguments").put("prompt", "y");
        JsonNode report = SdkClient.runV2(lb(), s);
        assertThat(report.path("protocolVersion").asText()).isEqualTo("2026-07-28");
        assertThat(result(report, 0).toString()).contains("from the v2 client");
        assertThat(result(report, 1).toString()).contains("Ada");
        assertThat(result(report, 2).toString()).contains("from the v2 client");
    }

    /**
     * A task id routes on either replica: a 2026-07-28 client's extension task on server-everything's
     * experimental tasks is created through one replica and polled through both (round robin).
     */
    @Test
    @Order(2)
    void aBridgedTaskIsPolledThroughBothReplicas() throws Exception {
        String meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
                + "\"io.modelcontextprotocol/clientCapabilities\":{\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}}}";
        HttpResponse<String> created = taskPost("tools/call", "alpha__simulate-research-query", """
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__simulate-research-query",
                 "arguments":{"topic":"replicas"},%s}}""".formatted(meta));
        JsonNode task = lastMessage(created).path("result");
        assertThat(task.path("resultType").asText()).as(created.body()).isEqualTo("task");
        String taskId = task.path("taskId").asText();
        Set<String> servedBy = new HashSet<>();
        JsonNode[] last = new JsonNode[1];
        int[] id = {2};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<String> got = taskPost("tasks/get", taskId, """
                    {"jsonrpc":"2.0","id":%d,"method":"tasks/get","params":{"taskId":"%s",%s}}""".formatted(id[0]++, taskId,
                    meta));
            got.headers().firstValue("Mcp-Gateway-Replica").ifPresent(servedBy::add);
            last[0] = lastMessage(got).path("result");
            return "completed".equals(last[0].path("status").asText());
        });
        assertThat(servedBy).as("tasks/get answered by both replicas").hasSize(2);
        assertThat(last[0].path("result").toString()).contains("replicas");
    }

    HttpResponse<String> taskPost(String method, String name, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(lb())).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", method).header("Mcp-Name", name)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> modernPost(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(lb())).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json, text/event-stream").header("Content-Type", "application/json")
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/call")
                .header("Mcp-Name", "alpha__trigger-elicitation-request")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    record Event(String id, JsonNode message, long receivedAt) {
    }

    /** Reads SSE events from a stream on a thread; the test polls the list. */
    static Thread reader(InputStream in, List<Event> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String id = null;
                StringBuilder data = new StringBuilder();
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            synchronized (into) {
                                into.add(new Event(id, MAPPER.readTree(data.toString()), System.currentTimeMillis()));
                            }
                        }
                        id = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            } catch (IOException ignored) {
                // The connection was cut: that is the point.
            }
        }, "sse-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static long count(List<Event> events, String method) {
        synchronized (events) {
            return events.stream().filter(e -> method.equals(e.message().path("method").asText())).count();
        }
    }

    /**
     * The replica pumping a session's upstream streams is killed, again and again (each time the one
     * that took over): the client, reconnecting through the load balancer with {@code Last-Event-ID},
     * gets every upstream event exactly once, and the first event emitted after the kill soon (the
     * survivor notices the dead replica by its heartbeat, long before the 6 s stream lease would lapse).
     * The ticking upstream numbers its events, so a lost or repeated one shows; server-everything's
     * resource updates, from a real peer, must arrive in whole rounds.
     */
    @Test
    @Order(3)
    void killingTheReplicaThatHoldsTheStreamLosesNoEvent() throws Exception {
        String session = initialize();
        List<String> uris = new ArrayList<>();
        for (String doc : List.of("architecture.md", "features.md", "startup.md")) {
            String uri = "mcpgw://alpha/demo://resource/static/document/" + doc;
            uris.add(uri);
            assertThat(post(session,
                    "{\"jsonrpc\":\"2.0\",\"id\":\"sub-" + doc + "\",\"method\":\"resources/subscribe\",\"params\":{\"uri\":\""
                            + uri + "\"}}")
                    .statusCode()).isEqualTo(200);
        }
        HttpResponse<InputStream> get = http.send(request(session).GET().header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(get.statusCode()).isEqualTo(200);
        int holder = "r0".equals(get.headers().firstValue("Mcp-Gateway-Replica").orElseThrow()) ? 0 : 1;
        List<Event> events = new ArrayList<>();
        reader(get.body(), events);

        // server-everything now sends an update per subscribed URI at once and every 5 s, on its GET stream.
        post(session,
                "{\"jsonrpc\":\"2.0\",\"id\":\"t1\",\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__toggle-subscriber-updates\",\"arguments\":{}}}");
        await().atMost(Duration.ofSeconds(15)).until(() -> count(events, "notifications/resources/updated") >= uris.size());
        // The ticker starts once the gateway follows its stream, so every tick is one the client should get.
        assertThat(post(session, TICKER_START).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> ticks(events).size() >= 5);

        List<Long> firstNewEventMillis = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            cluster.kill(holder);
            long killedAt = System.currentTimeMillis();
            String lastId;
            synchronized (events) {
                lastId = events.get(events.size() - 1).id();
            }
            // Reconnect through the load balancer: it lands on the surviving replica.
            HttpResponse<InputStream> resumed = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(
                    () -> http.send(request(session).GET().header("Accept", "text/event-stream")
                            .header("Last-Event-ID", lastId).build(), HttpResponse.BodyHandlers.ofInputStream()),
                    r -> r.statusCode() == 200);
            long reconnected = System.currentTimeMillis() - killedAt;
            assertThat(resumed.headers().firstValue("Mcp-Gateway-Replica").orElseThrow()).isEqualTo("r" + (1 - holder));
            reader(resumed.body(), events);

            // The first tick the upstream emitted after the kill: the survivor took over its stream.
            await().atMost(Duration.ofSeconds(20)).until(() -> ticks(events).stream().anyMatch(t -> t.at() > killedAt));
            long firstNew = ticks(events).stream().filter(t -> t.at() > killedAt).mapToLong(Tick::receivedAt).min()
                    .orElseThrow() - killedAt;
            firstNewEventMillis.add(firstNew);
            System.out.printf("ClusterIT: kill %d of r%d at %tT.%<tL: reconnected after %d ms, first new event after %d ms%n",
                    kill, holder, killedAt, reconnected, firstNew);

            // The dead replica comes back; the next kill is of the one that took over.
            cluster.restart(holder);
            holder = 1 - holder;
            await().atMost(Duration.ofSeconds(10)).until(() -> lbUp(2));
        }
        System.out.printf("ClusterIT: first event emitted after a kill reached the client after %s ms%n", firstNewEventMillis);
        // Timing belongs to the benchmarks; this only catches waiting for the 6 s stream lease again
        // (the median, so that one kill on a busy machine does not decide).
        assertThat(firstNewEventMillis.stream().sorted().toList().get(KILLS / 2))
                .as("median ms from a kill to the first new event, of %s; the stream lease is 6 s", firstNewEventMillis)
                .isLessThan(3000);

        // Both sources stop. (server-everything sends nothing live on a stream resumed with
        // Last-Event-ID: it maps it under an event id instead of its standalone stream. What it
        // stored meanwhile is replayed at the next resumption, so its updates are checked whole below.)
        post(session,
                "{\"jsonrpc\":\"2.0\",\"id\":\"t2\",\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__toggle-subscriber-updates\",\"arguments\":{}}}");
        assertThat(post(session, TICKER_STOP).statusCode()).isEqualTo(200);
        int emitted = ticker.emitted();
        await().atMost(Duration.ofSeconds(10)).until(() -> ticks(events).size() >= emitted);
        Thread.sleep(1000);

        List<Event> all;
        synchronized (events) {
            all = List.copyOf(events);
        }
        // Every event of the stream exactly once, in order: the sequence numbers run without a gap.
        List<Long> seqs = new ArrayList<>();
        for (Event e : all) {
            seqs.add(Long.parseLong(e.id().substring(e.id().lastIndexOf(':') + 1)));
        }
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as("event %d of %s", i, seqs).isEqualTo(seqs.get(i - 1) + 1);
        }
        // Every tick the upstream emitted, once each, in order: none lost, none copied twice.
        List<Integer> ticks = ticks(all).stream().map(Tick::n).toList();
        List<Integer> expected = new ArrayList<>();
        for (int n = 1; n <= emitted; n++) {
            expected.add(n);
        }
        assertThat(ticks).as("%d ticks over %d kills", emitted, KILLS).containsExactlyElementsOf(expected);
        // Each round of updates reached the client whole: every URI as often as the others.
        Map<String, Integer> perUri = new HashMap<>();
        for (Event e : all) {
            if ("notifications/resources/updated".equals(e.message().path("method").asText())) {
                perUri.merge(e.message().path("params").path("uri").asText(), 1, Integer::sum);
            }
        }
        assertThat(perUri.keySet()).containsExactlyInAnyOrderElementsOf(uris);
        assertThat(new HashSet<>(perUri.values())).as("updates per URI %s", perUri).hasSize(1);
    }

    static final int KILLS = 3;
    static final String TICKER_START = "{\"jsonrpc\":\"2.0\",\"id\":\"ticks\",\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"ticker__start\",\"arguments\":{}}}";
    static final String TICKER_STOP = TICKER_START.replace("ticker__start", "ticker__stop");

    /** A tick of the ticking upstream as the client got it: its number, when it was emitted and received. */
    record Tick(int n, long at, long receivedAt) {
    }

    static List<Tick> ticks(List<Event> events) {
        synchronized (events) {
            return events.stream().filter(e -> e.message().path("params").path("data").has("tick"))
                    .map(e -> new Tick(e.message().path("params").path("data").path("tick").asInt(),
                            e.message().path("params").path("data").path("at").asLong(), e.receivedAt()))
                    .toList();
        }
    }

    /** Whether HAProxy counts {@code n} servers up (its health checks follow a restart with a delay). */
    boolean lbUp(int n) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            try {
                HttpResponse<String> r = post(null, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}");
                r.headers().firstValue("Mcp-Gateway-Replica").ifPresent(seen::add);
            } catch (Exception e) {
                return false;
            }
        }
        return seen.size() >= n;
    }

    @Test
    @Order(4)
    void losingOneInfinispanNodeLosesNoSession() throws Exception {
        String session = initialize();
        killNode(1);
        try {
            // Until the cluster suspects the dead node, a store operation may time out: the gateway
            // then answers 503 with Retry-After, and the client retries. The session must survive.
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                HttpResponse<String> r = post(session, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}");
                if (r.statusCode() == 503) {
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                }
                assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
                return r.statusCode() == 200;
            });
            System.out.printf("ClusterIT: store available again %d ms after a node was killed%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
            for (int i = 1; i <= 4; i++) {
                HttpResponse<String> r = post(session, "{\"jsonrpc\":\"2.0\",\"id\":" + i
                        + ",\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__get-sum\",\"arguments\":{\"a\":" + i
                        + ",\"b\":1}}}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(lastMessage(r).path("result").path("content").get(0).path("text").asText())
                        .contains(String.valueOf(i + 1));
            }
        } finally {
            // Back only once the survivor has dropped the dead incarnation from its view.
            infinispan.awaitView(0, 1, Duration.ofSeconds(60));
            infinispan.start(1);
        }
    }

    @Test
    @Order(5)
    void withTheWholeClusterDownRequestsFailFastAndTheGatewayRecovers() throws Exception {
        String session = initialize();
        infinispan.close();
        long start = System.nanoTime();
        HttpResponse<String> r = post(session, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("session store");
        HttpResponse<String> init = http.send(request(null).POST(HttpRequest.BodyPublishers.ofString("""
                {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
                 "clientInfo":{"name":"cluster-it","version":"1"}}}""".formatted(V))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(503);
        HttpResponse<String> get = http.send(request(session).GET().header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).as("no hung stream").isEqualTo(503);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).as("all three answered quickly").isLessThan(20);

        // One node back is a cluster again (both at once race their initial state transfer).
        infinispan.start(0);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            String fresh = initialize();
            return lastMessage(post(fresh,
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\",\"arguments\":{\"message\":\"back\"}}}"))
                    .path("result").path("content").get(0).path("text").asText().equals("Echo: back");
        });
    }

    static void killNode(int index) throws IOException {
        Path pid = Path.of("target/infinispan-test").resolve(infinispan.nodes().get(index).name() + ".pid");
        ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroyForcibly);
        Files.deleteIfExists(pid);
    }
}
