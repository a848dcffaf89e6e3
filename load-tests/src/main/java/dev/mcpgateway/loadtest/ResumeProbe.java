package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One trial of "a replica dies under an open stream": through the load balancer, opens an MCP session and its
 * standalone GET stream, starts the echo upstream's {@code ticker} (a {@code notifications/message} every
 * {@code --interval-ms}, each carrying its sequence number and emission time), and once events flow, kills
 * ({@code SIGKILL}) the replica that holds the stream — named by the {@code Mcp-Gateway-Replica} response header,
 * or by the load balancer's {@code X-Mcp-Lb-Server} when the gateway sets none. Then it reconnects through the
 * load balancer with {@code Last-Event-ID} at once (retrying every 50 ms) and times, from the kill:
 *
 * <ul>
 *   <li>{@code dropMs}: the client notices the stream ended;</li>
 *   <li>{@code acceptMs}: a reconnect is answered 200 (and by which replica);</li>
 *   <li>{@code firstEventMs}: the first ticker event arrives on the new stream (may be one appended before the
 *       kill that the client had not read yet);</li>
 *   <li>{@code firstNewMs}: the first event the upstream emitted <em>after</em> the kill arrives — the gateway
 *       has resumed pumping the upstream;</li>
 *   <li>{@code liveMs}: events arrive again within 250 ms of their emission (caught up).</li>
 * </ul>
 *
 * It also counts events lost (gaps in the upstream's sequence numbers) and duplicated. With {@code --no-kill} it
 * only streams {@code --events} events and reports how long they took (used to count store operations per
 * streamed event).
 *
 * <pre>
 *   resume --url http://127.0.0.1:LB/mcp --replicas r1=PID,r2=PID,r3=PID --out trial.json
 *   resume --url http://127.0.0.1:LB/mcp --no-kill --events 200 --interval-ms 10
 * </pre>
 */
public final class ResumeProbe {

    private ResumeProbe() {}

    static final String ACCEPT = "application/json, text/event-stream";

    public static void main(String[] args) throws Exception {
        String url = null, tool = "echo__ticker", out = null, protocol = "2025-11-25";
        Map<String, Long> replicas = new LinkedHashMap<>();
        long intervalMs = 20, beforeMs = 1500, jitterMs = 2000, timeoutMs = 40_000, events = 200;
        boolean kill = true;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--url" -> { url = v; i++; }
                case "--tool" -> { tool = v; i++; }
                case "--out" -> { out = v; i++; }
                case "--replicas" -> {
                    for (String kv : v.split(",")) {
                        String[] p = kv.split("=", 2);
                        replicas.put(p[0].trim(), Long.parseLong(p[1].trim()));
                    }
                    i++;
                }
                case "--interval-ms" -> { intervalMs = Long.parseLong(v); i++; }
                case "--before" -> { beforeMs = LoadGenerator.parseDurationMs(v); i++; }
                case "--jitter" -> { jitterMs = LoadGenerator.parseDurationMs(v); i++; }
                case "--timeout" -> { timeoutMs = LoadGenerator.parseDurationMs(v); i++; }
                case "--events" -> { events = Long.parseLong(v); i++; }
                case "--no-kill" -> kill = false;
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (url == null || (kill && replicas.isEmpty())) {
            System.err.println("usage: resume --url LB_URL --replicas r1=PID,... [--tool echo__ticker] [--interval-ms 20]"
                    + " [--before 1.5s] [--jitter 2s] [--timeout 40s] [--out F.json] | --no-kill [--events 200]");
            System.exit(2);
        }
        ResumeProbe.Trial t = new Trial(URI.create(url), tool, protocol, intervalMs);
        ObjectNode r;
        try {
            r = kill ? t.killAndResume(replicas, beforeMs + ThreadLocalRandom.current().nextLong(jitterMs + 1), timeoutMs)
                    : t.streamOnly(events, timeoutMs);
        } catch (Exception e) {
            r = LoadGenerator.MAPPER.createObjectNode();
            r.put("error", String.valueOf(e.getMessage()));
            e.printStackTrace();
        } finally {
            t.close();
        }
        String json = LoadGenerator.MAPPER.writeValueAsString(r);
        if (out != null) {
            Files.writeString(Path.of(out), json + "\n");
        }
        System.out.println(json);
        System.exit(r.has("error") ? 1 : 0);
    }

    /** One received ticker event. */
    record Received(long seq, long emittedMillis, long arrivedMillis, long arrivedNanos, int stream) {
    }

    static final class Trial {
        final URI url;
        final String tool;
        final String protocol;
        final long intervalMs;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String sessionId;
        String negotiated;
        final List<Received> received = new ArrayList<>();
        volatile String lastEventId;
        volatile int streamNo;
        final List<Stream> streams = new ArrayList<>();

        Trial(URI url, String tool, String protocol, long intervalMs) {
            this.url = url;
            this.tool = tool;
            this.protocol = protocol;
            this.intervalMs = intervalMs;
        }

        HttpRequest.Builder post(String body) {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json").header("Accept", ACCEPT)
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (sessionId != null) {
                b.header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", negotiated);
            }
            return b;
        }

        JsonNode call(String body) throws IOException, InterruptedException {
            HttpResponse<String> resp = http.send(post(body).build(), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) {
                throw new IOException("HTTP " + resp.statusCode() + ": " + LoadGenerator.abbreviate(resp.body()));
            }
            JsonNode msg = LoadGenerator.firstResponse(resp.headers().firstValue("Content-Type").orElse(null),
                    io.vertx.core.buffer.Buffer.buffer(resp.body()));
            if (msg == null || !msg.has("result")) {
                throw new IOException("not a result: " + LoadGenerator.abbreviate(resp.body()));
            }
            if (sessionId == null) {
                sessionId = resp.headers().firstValue("Mcp-Session-Id").orElse(null);
                negotiated = msg.path("result").path("protocolVersion").asText(protocol);
            }
            return msg;
        }

        void open() throws IOException, InterruptedException {
            call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + protocol
                    + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"resume-probe\",\"version\":\"0\"}}}");
            if (sessionId == null) {
                throw new IOException("initialize answered without Mcp-Session-Id");
            }
            HttpResponse<String> r = http.send(post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IOException("notifications/initialized: HTTP " + r.statusCode());
            }
        }

        void startTicker(long count) throws IOException, InterruptedException {
            JsonNode res = call("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                    + "\",\"arguments\":{\"intervalMs\":" + intervalMs + ",\"count\":" + count + "}}}");
            if (res.path("result").path("isError").asBoolean(false)) {
                throw new IOException("ticker failed: " + res);
            }
        }

        /** A GET stream; answers null (with the status in {@code status[0]}) unless it was accepted. */
        Stream get(String lastId, int[] status) throws InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).GET().header("Accept", "text/event-stream")
                    .header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", negotiated);
            if (lastId != null) {
                b.header("Last-Event-ID", lastId);
            }
            try {
                HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                status[0] = resp.statusCode();
                if (resp.statusCode() != 200) {
                    resp.body().close();
                    return null;
                }
                String replica = resp.headers().firstValue("Mcp-Gateway-Replica")
                        .or(() -> resp.headers().firstValue("X-Mcp-Lb-Server")).orElse(null);
                Stream s = new Stream(++streamNo, resp.body(), replica);
                synchronized (streams) {
                    streams.add(s);
                }
                s.thread.start();
                return s;
            } catch (IOException e) {
                status[0] = -1;
                return null;
            }
        }

        final class Stream {
            final int no;
            final InputStream body;
            final String replica;
            final Thread thread;
            volatile long endedNanos = -1;
            volatile long endedMillis = -1;

            Stream(int no, InputStream body, String replica) {
                this.no = no;
                this.body = body;
                this.replica = replica;
                this.thread = new Thread(this::read, "sse-" + no);
                this.thread.setDaemon(true);
            }

            void read() {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    String id = null;
                    StringBuilder data = null;
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.isEmpty()) {
                            if (id != null) {
                                lastEventId = id;
                            }
                            if (data != null) {
                                event(data.toString());
                            }
                            id = null;
                            data = null;
                        } else if (line.startsWith("id:")) {
                            id = line.substring(3).trim();
                        } else if (line.startsWith("data:")) {
                            String d = line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5);
                            data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
                        }
                    }
                } catch (IOException e) {
                    // the replica died (or we closed it)
                } finally {
                    endedMillis = System.currentTimeMillis();
                    endedNanos = System.nanoTime();
                }
            }

            void event(String data) {
                long nanos = System.nanoTime(), millis = System.currentTimeMillis();
                try {
                    JsonNode n = LoadGenerator.MAPPER.readTree(data);
                    JsonNode d = n.path("params").path("data");
                    if ("notifications/message".equals(n.path("method").asText()) && d.has("seq")) {
                        synchronized (received) {
                            received.add(new Received(d.get("seq").asLong(), d.path("t").asLong(), millis, nanos, no));
                            received.notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // not JSON: not ours
                }
            }

            void close() {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        int count(int stream) {
            synchronized (received) {
                return (int) received.stream().filter(r -> stream < 0 || r.stream() == stream).count();
            }
        }

        /** Waits until {@code test} holds on the received events, or the deadline (nanoTime) passes. */
        boolean await(java.util.function.Predicate<List<Received>> test, long deadline) throws InterruptedException {
            synchronized (received) {
                while (!test.test(received)) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return false;
                    }
                    received.wait(Math.min(left, 100));
                }
                return true;
            }
        }

        ObjectNode streamOnly(long events, long timeoutMs) throws Exception {
            long t0 = System.nanoTime();
            open();
            int[] status = new int[1];
            Stream s = get(null, status);
            if (s == null) {
                throw new IOException("GET stream refused: HTTP " + status[0]);
            }
            Thread.sleep(300); // the pump opens the upstream's stream in the background
            long t1 = System.nanoTime();
            startTicker(events);
            boolean all = await(l -> l.size() >= events, t1 + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
            long t2 = System.nanoTime();
            ObjectNode r = LoadGenerator.MAPPER.createObjectNode();
            r.put("mode", "stream");
            r.put("events", events);
            r.put("received", count(-1));
            r.put("complete", all);
            r.put("replica", s.replica);
            r.put("streamSeconds", Math.round((t2 - t1) / 1e6) / 1000.0);
            r.put("totalSeconds", Math.round((t2 - t0) / 1e6) / 1000.0);
            addLatency(r, received);
            return r;
        }

        ObjectNode killAndResume(Map<String, Long> replicas, long beforeMs, long timeoutMs) throws Exception {
            open();
            int[] status = new int[1];
            long g0 = System.nanoTime();
            Stream first = get(null, status);
            double firstGetMs = ms(System.nanoTime() - g0);
            if (first == null) {
                throw new IOException("GET stream refused: HTTP " + status[0]);
            }
            String holder = first.replica;
            if (holder == null || !replicas.containsKey(holder)) {
                throw new IOException("cannot tell which replica holds the stream (Mcp-Gateway-Replica / X-Mcp-Lb-Server: "
                        + holder + "; known: " + replicas.keySet() + ")");
            }
            Thread.sleep(300);
            startTicker(0);
            if (!await(l -> l.size() >= 10, System.nanoTime() + TimeUnit.SECONDS.toNanos(15))) {
                throw new IOException("no ticker events through the gateway within 15 s (received " + count(-1) + ")");
            }
            Thread.sleep(beforeMs);
            long before = count(-1);
            long lastSeqBefore;
            synchronized (received) {
                lastSeqBefore = received.stream().mapToLong(Received::seq).max().orElse(0);
            }
            String lastIdAtKill = lastEventId;

            long pid = replicas.get(holder);
            ProcessHandle ph = ProcessHandle.of(pid)
                    .orElseThrow(() -> new IOException("replica " + holder + " (pid " + pid + ") is not running"));
            long killMillis = System.currentTimeMillis();
            long killNanos = System.nanoTime();
            ph.destroyForcibly();

            long deadline = killNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (first.endedNanos < 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (first.endedNanos < 0) {
                first.close();
                throw new IOException("the stream did not end within " + timeoutMs + " ms of the kill");
            }
            long dropNanos = first.endedNanos;
            String resumeFrom = lastEventId;

            // Reconnect at once, as a client that does not wait for the retry hint would.
            Stream second = null;
            int attempts = 0;
            Map<String, Integer> statuses = new LinkedHashMap<>();
            long attemptStart = 0;
            while (second == null && System.nanoTime() < deadline) {
                attempts++;
                attemptStart = System.nanoTime();
                second = get(resumeFrom, status);
                if (second == null) {
                    statuses.merge(status[0] < 0 ? "io-error" : Integer.toString(status[0]), 1, Integer::sum);
                    Thread.sleep(50);
                }
            }
            if (second == null) {
                throw new IOException("no reconnect accepted within " + timeoutMs + " ms: " + statuses);
            }
            long acceptNanos = System.nanoTime();
            int secondNo = second.no;
            boolean gotFirst = await(l -> l.stream().anyMatch(x -> x.stream() == secondNo), deadline);
            boolean gotNew = await(l -> l.stream().anyMatch(x -> x.stream() == secondNo && x.emittedMillis() > killMillis),
                    deadline);
            boolean live = await(l -> l.stream().anyMatch(x -> x.stream() == secondNo && x.emittedMillis() > killMillis
                    && x.arrivedMillis() - x.emittedMillis() <= 250), deadline);
            Thread.sleep(1000); // a second of live events, to see that nothing is lost or doubled after catching up
            second.close();

            ObjectNode r = LoadGenerator.MAPPER.createObjectNode();
            r.put("mode", "kill");
            r.put("killed", holder);
            r.put("killedPid", pid);
            r.put("servedAfter", second.replica);
            r.put("msBeforeKill", beforeMs);
            r.put("eventsBeforeKill", before);
            r.put("lastSeqBeforeKill", lastSeqBefore);
            r.put("lastEventIdAtKill", lastIdAtKill);
            r.put("resumeFrom", resumeFrom);
            r.put("dropMs", ms(dropNanos - killNanos));
            r.put("acceptMs", ms(acceptNanos - killNanos));
            r.put("acceptedRequestMs", ms(acceptNanos - attemptStart)); // the successful GET alone
            r.put("firstGetMs", firstGetMs);
            r.put("reconnectAttempts", attempts);
            ObjectNode st = r.putObject("refusedReconnects");
            statuses.forEach(st::put);
            List<Received> all;
            synchronized (received) {
                all = new ArrayList<>(received);
            }
            Received firstAfter = all.stream().filter(x -> x.stream() == secondNo).findFirst().orElse(null);
            Received firstNew = all.stream().filter(x -> x.stream() == secondNo && x.emittedMillis() > killMillis)
                    .findFirst().orElse(null);
            Received firstLive = all.stream().filter(x -> x.stream() == secondNo && x.emittedMillis() > killMillis
                    && x.arrivedMillis() - x.emittedMillis() <= 250).findFirst().orElse(null);
            r.put("firstEventMs", firstAfter == null ? -1 : ms(firstAfter.arrivedNanos() - killNanos));
            r.put("firstNewMs", firstNew == null ? -1 : ms(firstNew.arrivedNanos() - killNanos));
            r.put("liveMs", firstLive == null ? -1 : ms(firstLive.arrivedNanos() - killNanos));
            r.put("complete", gotFirst && gotNew && live);
            TreeSet<Long> seqs = new TreeSet<>();
            long dups = 0;
            for (Received x : all) {
                if (!seqs.add(x.seq())) {
                    dups++;
                }
            }
            long lost = seqs.isEmpty() ? 0 : (seqs.last() - seqs.first() + 1) - seqs.size();
            r.put("eventsReceived", all.size());
            r.put("distinctEvents", seqs.size());
            r.put("duplicates", dups);
            r.put("lost", lost);
            if (lost > 0) {
                ArrayNode gaps = r.putArray("missingSeqSample");
                long prev = seqs.first();
                for (long s : seqs) {
                    for (long m = prev + 1; m < s && gaps.size() < 10; m++) {
                        gaps.add(m);
                    }
                    prev = s;
                }
            }
            addLatency(r, all);
            return r;
        }

        static double ms(long nanos) {
            return Math.round(nanos / 1e4) / 100.0;
        }

        static void addLatency(ObjectNode r, List<Received> all) {
            long[] lat = all.stream().mapToLong(x -> x.arrivedMillis() - x.emittedMillis()).sorted().toArray();
            if (lat.length > 0) {
                r.put("eventLatencyP50Ms", lat[lat.length / 2]);
                r.put("eventLatencyMaxMs", lat[lat.length - 1]);
            }
        }

        void close() {
            synchronized (streams) {
                streams.forEach(Stream::close);
            }
            if (sessionId != null) {
                try {
                    http.send(HttpRequest.newBuilder(url).DELETE().timeout(Duration.ofSeconds(5))
                            .header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", negotiated).build(),
                            HttpResponse.BodyHandlers.discarding());
                } catch (IOException | InterruptedException e) {
                    System.err.println("DELETE of the session failed: " + e.getMessage());
                }
            }
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
