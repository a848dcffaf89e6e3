package dev.mcpgateway.loadtest;

import static dev.mcpgateway.loadtest.ClusterReport.bytes;
import static dev.mcpgateway.loadtest.ClusterReport.fmtMs;
import static dev.mcpgateway.loadtest.ClusterReport.max;
import static dev.mcpgateway.loadtest.ClusterReport.median;
import static dev.mcpgateway.loadtest.ClusterReport.mib;
import static dev.mcpgateway.loadtest.ClusterReport.values;
import static dev.mcpgateway.loadtest.Report.fmt0;
import static dev.mcpgateway.loadtest.Report.pct;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** The parts of the {@code bench.sh} report besides the hop comparison: scale, failover, rounds, how to read. */
final class BenchExtras {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private BenchExtras() {}

    static JsonNode json(Path f) throws IOException {
        return Files.exists(f) ? MAPPER.readTree(f.toFile()) : null;
    }

    // ---- scale -----------------------------------------------------------------------------------------------

    static void scale(StringBuilder md, Path raw, Map<String, String> meta) throws IOException {
        md.append("## Scale: sessions and streams on one replica\n\n");
        JsonNode s = json(raw.resolve("scale-sessions.json"));
        JsonNode st = json(raw.resolve("scale-streams.json"));
        if (s == null && st == null) {
            md.append("Not measured (`SCALE=0`).\n\n");
            return;
        }
        md.append("A fresh replica is started for this part: ")
                .append(meta.getOrDefault("Scale replica", "in-memory store, the json upstream only")).append(".\n\n");
        if (s != null) {
            long n = s.path("sessionsOpened").asLong();
            long failed = s.path("sessionsRequested").asLong() - n;
            md.append("**").append(fmt0(s.path("sessionsRequested").asDouble())).append(" sessions** (`initialize` + ")
                    .append("`notifications/initialized`, 16 at a time, then held open): ").append(fmt0(n))
                    .append(" opened in ").append(s.path("openSeconds").asText()).append(" s, **")
                    .append(failed).append(" failed** (").append(failed == 0 ? "required: 0, met" : "required: 0, **missed**")
                    .append(s.has("errorSample") ? "; first: `" + s.path("errorSample").asText().replace('|', '/') + "`" : "")
                    .append(").\n\n");
            ClusterReport.Histo before = histo(raw.resolve("heap-scale-before.txt"));
            ClusterReport.Histo after = histo(raw.resolve("heap-scale-after.txt"));
            if (before != null && after != null && n > 0) {
                md.append("| Live heap before | with the sessions open | **Per idle session** | RSS before | RSS with ")
                        .append("the sessions | RSS per session |\n|---:|---:|---:|---:|---:|---:|\n");
                long rb = s.path("rssBeforeKb").asLong(), ra = s.path("rssAfterKb").asLong();
                md.append("| ").append(mib(before.total)).append(" | ").append(mib(after.total)).append(" | **")
                        .append(bytes((after.total - before.total) / (double) n)).append("** | ")
                        .append(kb(rb)).append(" | ").append(kb(ra)).append(" | ")
                        .append(rb > 0 && ra > 0 ? bytes((ra - rb) * 1024.0 / n) : "n/a").append(" |\n\n");
                md.append("Live heap is `jcmd PID GC.class_histogram` (a full GC first) before and while the sessions ")
                        .append("are open. The classes that grew most, bytes per session:\n\n");
                md.append("| Class | Bytes per session |\n|---|---:|\n");
                for (Map.Entry<String, Long> e : growth(before, after, 12)) {
                    md.append("| `").append(e.getKey()).append("` | ").append(fmt0(e.getValue() / (double) n)).append(" |\n");
                }
                md.append('\n');
            } else {
                md.append("No heap histograms (jcmd failed?).\n\n");
            }
        }
        if (st != null) {
            long n = st.path("streamsOpened").asLong();
            md.append("**").append(fmt0(st.path("streamsRequested").asDouble())).append(" concurrent GET streams** ")
                    .append("(a session each, `GET /mcp` with `Accept: text/event-stream`, held ")
                    .append("open): ").append(n).append(" opened, ").append(st.path("streamErrors").asLong())
                    .append(" refused or failed, ").append(st.path("streamsDroppedWhileHeld").asLong())
                    .append(" ended while held")
                    .append(st.has("streamErrorSample") ? " (first: `" + st.path("streamErrorSample").asText().replace('|', '/') + "`)" : "")
                    .append(".\n\n");
            md.append("| | Before | Sessions open | Sessions + streams open | Per stream |\n|---|---:|---:|---:|---:|\n");
            long r0 = st.path("rssBeforeKb").asLong(), r1 = st.path("rssSessionsOnlyKb").asLong(),
                    r2 = st.path("rssAfterKb").asLong();
            long f0 = st.path("fdsBefore").asLong(), f1 = st.path("fdsSessionsOnly").asLong(),
                    f2 = st.path("fdsAfter").asLong();
            md.append("| RSS | ").append(kb(r0)).append(" | ").append(kb(r1)).append(" | ").append(kb(r2)).append(" | ")
                    .append(n > 0 && r1 > 0 && r2 > 0 ? bytes((r2 - r1) * 1024.0 / n) : "n/a").append(" |\n");
            md.append("| Open file descriptors (`/proc/PID/fd`) | ").append(f0).append(" | ").append(f1).append(" | ")
                    .append(f2).append(" | ").append(n > 0 && f1 >= 0 && f2 >= 0
                            ? String.format(Locale.ROOT, "%.2f", (f2 - f1) / (double) n) : "n/a").append(" |\n\n");
            md.append("A stream holds the client's connection and, when the upstream offers a GET stream (the json ")
                    .append("upstream does), a connection to the upstream: about 2 descriptors per stream is expected.\n\n");
        }
    }

    static ClusterReport.Histo histo(Path f) throws IOException {
        return Files.exists(f) ? ClusterReport.Histo.read(f) : null;
    }

    static List<Map.Entry<String, Long>> growth(ClusterReport.Histo before, ClusterReport.Histo after, int k) {
        List<Map.Entry<String, Long>> g = new ArrayList<>();
        after.bytes.forEach((cls, b) -> {
            long d = b - before.bytes.getOrDefault(cls, 0L);
            if (d > 0) g.add(Map.entry(cls, d));
        });
        g.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        return g.subList(0, Math.min(k, g.size()));
    }

    static String kb(long kb) {
        return kb <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", kb / 1024.0);
    }

    // ---- failover --------------------------------------------------------------------------------------------

    static void failover(StringBuilder md, Path raw, Map<String, String> meta) throws IOException {
        md.append("## Failover: kill -9 the replica pumping a stream\n\n");
        List<JsonNode> trials = new ArrayList<>();
        try (Stream<Path> files = Files.list(raw)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("resume-\\d+\\.json"))
                    .sorted((a, b) -> Integer.compare(num(a), num(b))).toList()) {
                trials.add(MAPPER.readTree(f.toFile()));
            }
        }
        if (trials.isEmpty()) {
            md.append("Not measured (`FAILOVER=0`).\n\n");
            return;
        }
        md.append("Each trial (`ResumeProbe`, through the cluster's HAProxy): a session opens its GET stream; the json ")
                .append("upstream's `ticker` tool emits a numbered `notifications/message` every ")
                .append(meta.getOrDefault("Ticker interval", "20 ms")).append(" on the upstream's stream, which one ")
                .append("replica pumps into the event log. That replica is killed with SIGKILL; the client reconnects ")
                .append("through HAProxy at once with `Last-Event-ID`. Times from the kill. *First new event*: the first ")
                .append("event the upstream emitted after the kill reaches the client (another replica took over the ")
                .append("upstream stream). Lost and duplicated: gaps and repeats in the upstream's numbering.\n\n");
        md.append("| # | Killed | Served after | Reconnect accepted (ms) | First event (ms) | **First new event (ms)** ")
                .append("| Live (ms) | Lost | Duplicated |\n|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        int i = 1;
        for (JsonNode t : trials) {
            if (t.has("error")) {
                md.append("| ").append(i++).append(" | failed: ").append(t.path("error").asText().replace('|', '/'))
                        .append(" | | | | | | | |\n");
                continue;
            }
            md.append("| ").append(i++).append(" | ").append(t.path("killed").asText()).append(" | ")
                    .append(t.path("servedAfter").asText()).append(" | ").append(fmtMs(t.path("acceptMs").asDouble()))
                    .append(" | ").append(fmtMs(t.path("firstEventMs").asDouble())).append(" | **")
                    .append(fmtMs(t.path("firstNewMs").asDouble())).append("** | ")
                    .append(fmtMs(t.path("liveMs").asDouble())).append(" | ").append(t.path("lost").asLong())
                    .append(" | ").append(t.path("duplicates").asLong()).append(" |\n");
        }
        for (String what : List.of("median", "max")) {
            boolean med = what.equals("median");
            md.append("| | **").append(what).append("** | | ");
            for (String k : List.of("acceptMs", "firstEventMs", "firstNewMs", "liveMs")) {
                double[] v = values(trials, k);
                md.append(k.equals("firstNewMs") ? "**" : "").append(fmtMs(med ? median(v) : max(v)))
                        .append(k.equals("firstNewMs") ? "**" : "").append(" | ");
            }
            for (String k : List.of("lost", "duplicates")) {
                double[] v = values(trials, k);
                md.append(v.length == 0 ? "n/a" : fmt0(med ? median(v) : max(v))).append(" | ");
            }
            md.append('\n');
        }
        md.append('\n');
        long ok = trials.stream().filter(t -> !t.has("error")).count();
        md.append(ok).append(" of ").append(trials.size()).append(" trials completed. The killed replica is restarted ")
                .append("before the next trial (restart to ready, s: ")
                .append(meta.getOrDefault("Failover replica restart to ready (s)", "n/a")).append(").\n\n");
    }

    static int num(Path p) {
        return Integer.parseInt(p.getFileName().toString().replaceAll("\\D", ""));
    }

    // ---- rounds ------------------------------------------------------------------------------------------------

    static void rounds(StringBuilder md, Map<String, BenchReport.Cell> cells, List<String> upstreams,
                       List<String> targets, List<Integer> conns) {
        md.append("## Individual measurements\n\n");
        md.append("Calls per second of each round (the order of the targets alternates between rounds) and the ")
                .append("spread (max − min) / mean. A large spread means the machine was busy with something else.\n\n");
        md.append("| Upstream | Target | Connections | Calls/s per round | Spread | Errors |\n|---|---|---:|---|---:|---:|\n");
        for (String u : upstreams) {
            for (int c : conns) {
                for (String t : targets) {
                    BenchReport.Cell x = BenchReport.cell(cells, u, t, c);
                    if (x == null) continue;
                    StringBuilder r = new StringBuilder();
                    for (JsonNode n : x.agg.runs) {
                        if (!r.isEmpty()) r.append(", ");
                        r.append(fmt0(n.path("throughput").asDouble()));
                    }
                    md.append("| ").append(u).append(" | ").append(BenchReport.shortName(t)).append(" | ").append(c)
                            .append(" | ").append(r).append(" | ").append(pct(x.agg.spread())).append(" | ")
                            .append(x.agg.errors).append(" |\n");
                }
            }
        }
        md.append('\n');
    }

    // ---- background ------------------------------------------------------------------------------------------

    /**
     * What each process burns while another target is measured (it serves nothing then): timers, health checks,
     * cluster heartbeats, GC, the JIT. Spread over few calls (a slow target at 1 connection) it inflates CPU per call.
     */
    static void background(StringBuilder md, Path raw) throws IOException {
        Path cpu = raw.resolve("cpu.tsv");
        if (!Files.exists(cpu)) return;
        Map<String, double[]> idle = new java.util.TreeMap<>(); // process -> {cpu seconds, wall seconds}
        for (String line : Files.readAllLines(cpu)) {
            String[] p = line.split("\t");
            if (p.length < 8 || p[0].equals("upstream")) continue;
            String process = p[4];
            if (BenchReport.busy(p[0], p[1], process)) continue;
            double[] a = idle.computeIfAbsent(process, k -> new double[2]);
            a[0] += Double.parseDouble(p[5]);
            a[1] += Double.parseDouble(p[7]);
        }
        if (idle.isEmpty()) return;
        md.append("## Background CPU\n\n");
        md.append("CPU each process used while *other* targets were measured, when it served no calls (timers, health ")
                .append("checks, cluster heartbeats, GC, JIT), in milliseconds per second. It is part of every CPU per ")
                .append("call figure above, and weighs most where calls are few (a slow target at 1 connection).\n\n");
        md.append("| Process | Idle CPU (ms/s) |\n|---|---:|\n");
        idle.forEach((k, a) -> md.append("| ").append(k).append(" | ")
                .append(a[1] > 0 ? String.format(Locale.ROOT, "%.1f", a[0] * 1000 / a[1]) : "n/a").append(" |\n"));
        md.append('\n');
    }

    // ---- how to read -----------------------------------------------------------------------------------------

    static void howToRead(StringBuilder md) {
        md.append("## How to read this\n\n")
                .append("- **CPU per call is the figure to trust most.** Everything (generator, upstreams, HAProxy, ")
                .append("gateways, Infinispan) shares the machine's cores, so throughput and latency move with whatever ")
                .append("else runs; the CPU a process spends per call hardly does. *Hop ÷ HAProxy* says how many times ")
                .append("the CPU of one plain L7 hop the gateway (or the whole cluster) spends per call.\n")
                .append("- At 1 connection nothing queues: *added p50* is the hop's own latency. At 8 and 32 connections ")
                .append("the closed loop saturates the CPUs, latency ≈ connections ÷ throughput, and a hop's cost shows ")
                .append("as lower throughput (a hop that costs as much CPU per call as the upstream halves it on 2 cores).\n")
                .append("- The sse and modern upstreams run on Node (one thread), so their own CPU per call is large and ")
                .append("their throughput is the ceiling of every target in front of them; compare hop CPU, not calls/s, ")
                .append("across upstreams.\n")
                .append("- The cluster's CPU includes its load balancer, the 3 replicas and both Infinispan nodes; the ")
                .append("session is read from the store on each call (any replica may serve it).\n")
                .append("- Compare figures within one report only; other runs and machines differ.\n");
    }
}
