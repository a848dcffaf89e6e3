package dev.mcpgateway.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Renders the Markdown report from the JSON files written by {@link LoadGenerator}.
 *
 * <pre>
 *   report --runs DIR --out FILE.md [--sessions sessions.json] [--rss-idle KB] [--rss-after-load KB]
 *          [--meta "Key=Value"]... [--goal-p50-ms 0.3] [--goal-ratio 0.70]
 *          [--direct-label direct] [--gateway-label gateway]
 * </pre>
 *
 * Every {@code *.json} in DIR with {@code "mode":"tools-call"} is one measurement; measurements with the same
 * label and connection count (e.g. alternating rounds) are merged (histograms added, throughput summed over
 * the measured time).
 */
public final class Report {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Report() {}

    /** Merged measurements of one label at one connection count. */
    static final class Agg {
        final Histogram hist = LoadGenerator.newHistogram();
        final List<JsonNode> runs = new ArrayList<>();
        long successful;
        long requests;
        long errors;
        double seconds;

        double throughput() {
            return seconds > 0 ? successful / seconds : 0;
        }

        double ms(double percentile) {
            return hist.getTotalCount() == 0 ? Double.NaN : hist.getValueAtPercentile(percentile) / 1000.0;
        }

        /** (max - min) / mean of the rounds' throughput; 0 with a single round. */
        double spread() {
            if (runs.size() < 2) return 0;
            double min = Double.MAX_VALUE, max = 0, sum = 0;
            for (JsonNode n : runs) {
                double t = n.path("throughput").asDouble();
                min = Math.min(min, t);
                max = Math.max(max, t);
                sum += t;
            }
            double mean = sum / runs.size();
            return mean > 0 ? (max - min) / mean : 0;
        }

        double maxMs() {
            return hist.getTotalCount() == 0 ? Double.NaN : hist.getMaxValue() / 1000.0;
        }
    }

    public static void main(String[] args) throws Exception {
        Path runsDir = null;
        Path out = null;
        Path sessionsFile = null;
        long rssIdle = -1;
        long rssAfterLoad = -1;
        long busyBefore = -1;
        long busyAfter = -1;
        double goalP50Ms = 0.3;
        double goalRatio = 0.70;
        String directLabel = "direct";
        String gatewayLabel = "gateway";
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--runs" -> { runsDir = Path.of(v); i++; }
                case "--out" -> { out = Path.of(v); i++; }
                case "--sessions" -> { sessionsFile = Path.of(v); i++; }
                case "--rss-idle" -> { rssIdle = parseLong(v); i++; }
                case "--rss-after-load" -> { rssAfterLoad = parseLong(v); i++; }
                case "--busy-before" -> { busyBefore = parseLong(v); i++; }
                case "--busy-after" -> { busyAfter = parseLong(v); i++; }
                case "--goal-p50-ms" -> { goalP50Ms = Double.parseDouble(v); i++; }
                case "--goal-ratio" -> { goalRatio = Double.parseDouble(v); i++; }
                case "--direct-label" -> { directLabel = v; i++; }
                case "--gateway-label" -> { gatewayLabel = v; i++; }
                case "--meta" -> { Report.putMeta(meta, v); i++; }
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (runsDir == null || out == null) {
            throw new IllegalArgumentException("--runs DIR and --out FILE are required");
        }

        // label -> connections -> aggregate
        Map<String, TreeMap<Integer, Agg>> byLabel = new LinkedHashMap<>();
        List<JsonNode> allRuns = new ArrayList<>();
        try (Stream<Path> files = Files.list(runsDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode n = MAPPER.readTree(f.toFile());
                if (!"tools-call".equals(n.path("mode").asText())) continue;
                allRuns.add(n);
                Agg a = byLabel.computeIfAbsent(n.path("label").asText(), k -> new TreeMap<>())
                        .computeIfAbsent(n.path("connections").asInt(), k -> new Agg());
                a.runs.add(n);
                a.hist.add(LoadGenerator.decode(n.path("histogram").asText()));
                a.successful += n.path("successful").asLong();
                a.requests += n.path("requests").asLong();
                a.errors += n.path("errors").asLong();
                a.seconds += n.path("durationSeconds").asDouble();
            }
        }
        JsonNode sessions = sessionsFile != null && Files.exists(sessionsFile) ? MAPPER.readTree(sessionsFile.toFile()) : null;

        StringBuilder md = new StringBuilder();
        String date = meta.getOrDefault("Date", java.time.LocalDate.now().toString());
        md.append("# MCP `tools/call` benchmark: direct vs through the gateway (").append(date).append(")\n\n");
        md.append("Generated by `load-tests/run.sh`. Latencies are measured per request by a closed-loop load ")
                .append("generator (one request in flight per connection/MCP session) into an HdrHistogram with ")
                .append("microsecond resolution; all latency figures below are in **milliseconds**. ")
                .append("*Direct* is the load generator talking to the echo upstream; *gateway* is the same ")
                .append("upstream reached through the gateway (tool `echo__echo`).\n\n");

        TreeMap<Integer, Agg> direct = byLabel.getOrDefault(directLabel, new TreeMap<>());
        TreeMap<Integer, Agg> gateway = byLabel.getOrDefault(gatewayLabel, new TreeMap<>());

        // ---- goals
        List<String[]> goals = new ArrayList<>();
        for (Integer c : gateway.keySet()) {
            Agg d = direct.get(c);
            Agg g = gateway.get(c);
            if (d == null) continue;
            double added = g.ms(50) - d.ms(50);
            double ratio = d.throughput() > 0 ? g.throughput() / d.throughput() : Double.NaN;
            boolean clean = g.errors == 0 && d.errors == 0;
            goals.add(new String[] {
                    "Added p50 latency < " + fmt3(goalP50Ms) + " ms (" + c + " connections)",
                    fmt3(added) + " ms",
                    status(added < goalP50Ms && clean)});
            goals.add(new String[] {
                    "Gateway throughput >= " + pct(goalRatio) + " of direct (" + c + " connections)",
                    pct(ratio) + " (" + fmt0(g.throughput()) + " vs " + fmt0(d.throughput()) + " req/s)",
                    status(ratio >= goalRatio && clean)});
        }
        double worstSpread = 0;
        String worstWhat = null;
        for (Map.Entry<String, TreeMap<Integer, Agg>> e : byLabel.entrySet()) {
            for (Map.Entry<Integer, Agg> ce : e.getValue().entrySet()) {
                if (ce.getValue().spread() > worstSpread) {
                    worstSpread = ce.getValue().spread();
                    worstWhat = e.getKey() + " at " + ce.getKey() + " connections";
                }
            }
        }
        if (busyBefore > 20 || busyAfter > 20) {
            md.append("> **Busy machine:** ").append(Math.max(busyBefore, busyAfter))
                    .append("% of the CPU was used by other work just before or after the measurements ")
                    .append("(2-second samples while none of the benchmark's processes were under load). ")
                    .append("Treat the goal verdicts as indicative and re-run on a quiet machine.\n\n");
        }
        if (worstSpread > 0.15) {
            md.append("> **Noisy run:** the throughput of ").append(worstWhat).append(" varied by ")
                    .append(pct(worstSpread)).append(" between rounds, so the machine was probably not idle ")
                    .append("(see the load average below). Treat the goal verdicts as indicative and re-run on ")
                    .append("a quiet machine.\n\n");
        }

        md.append("## Goals\n\n");
        if (goals.isEmpty()) {
            md.append("No gateway measurement was made, so no goal could be evaluated.\n\n");
        } else {
            md.append("| Goal | Measured | Status |\n|---|---|---|\n");
            for (String[] g : goals) md.append("| ").append(String.join(" | ", g)).append(" |\n");
            md.append('\n');
        }

        // ---- main table(s)
        md.append("## Results\n\n");
        TreeMap<Integer, Boolean> counts = new TreeMap<>();
        direct.keySet().forEach(c -> counts.put(c, true));
        gateway.keySet().forEach(c -> counts.put(c, true));
        for (Integer c : counts.keySet()) {
            Agg d = direct.get(c);
            Agg g = gateway.get(c);
            md.append("### ").append(c).append(" concurrent connections (= MCP sessions)\n\n");
            md.append("| Metric | Direct | Gateway | Gateway vs direct |\n|---|---:|---:|---:|\n");
            md.append(row("Throughput (req/s)", d == null ? null : fmt0(d.throughput()),
                    g == null ? null : fmt0(g.throughput()),
                    d != null && g != null && d.throughput() > 0 ? "ratio " + fmt3(g.throughput() / d.throughput()) : ""));
            double[] ps = {50, 90, 99, 99.9};
            String[] names = {"p50", "p90", "p99", "p99.9"};
            for (int k = 0; k < ps.length; k++) {
                double dv = d == null ? Double.NaN : d.ms(ps[k]);
                double gv = g == null ? Double.NaN : g.ms(ps[k]);
                md.append(row(names[k] + " latency (ms)", d == null ? null : fmt3(dv), g == null ? null : fmt3(gv),
                        d != null && g != null ? "added " + signed3(gv - dv) + " ms" : ""));
            }
            md.append(row("max latency (ms)", d == null ? null : fmt3(d.maxMs()), g == null ? null : fmt3(g.maxMs()), ""));
            md.append(row("Requests measured / errors", d == null ? null : d.requests + " / " + d.errors,
                    g == null ? null : g.requests + " / " + g.errors, ""));
            md.append(row("Throughput spread between rounds", d == null ? null : pct(d.spread()),
                    g == null ? null : pct(g.spread()), ""));
            md.append(row("Measured time (s)", d == null ? null : fmt0(d.seconds), g == null ? null : fmt0(g.seconds), ""));
            md.append('\n');
        }

        // ---- per round
        if (!allRuns.isEmpty()) {
            md.append("### Individual measurements (in the order they ran)\n\n");
            md.append("| # | Target | Connections | Throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | Errors |\n");
            md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            List<JsonNode> ordered = new ArrayList<>(allRuns);
            ordered.sort((a, b) -> a.path("startedAt").asText().compareTo(b.path("startedAt").asText()));
            int i = 1;
            for (JsonNode n : ordered) {
                md.append("| ").append(i++).append(" | ").append(n.path("label").asText())
                        .append(" | ").append(n.path("connections").asInt())
                        .append(" | ").append(fmt0(n.path("throughput").asDouble()))
                        .append(" | ").append(fmt3(n.path("p50").asLong() / 1000.0))
                        .append(" | ").append(fmt3(n.path("p90").asLong() / 1000.0))
                        .append(" | ").append(fmt3(n.path("p99").asLong() / 1000.0))
                        .append(" | ").append(fmt3(n.path("p999").asLong() / 1000.0))
                        .append(" | ").append(fmt3(n.path("max").asLong() / 1000.0))
                        .append(" | ").append(n.path("errors").asLong()).append(" |\n");
            }
            md.append('\n');
            for (JsonNode n : ordered) {
                if (n.has("errorSample")) {
                    md.append("First error of `").append(n.path("label").asText()).append("` (")
                            .append(n.path("connections").asInt()).append(" connections): `")
                            .append(n.path("errorSample").asText().replace('`', '\'')).append("`\n\n");
                }
            }
        }

        // ---- memory
        md.append("## Gateway memory (resident set size, VmRSS)\n\n");
        md.append("| State | RSS |\n|---|---:|\n");
        md.append("| Idle (after start-up, before any traffic) | ").append(mib(rssIdle)).append(" |\n");
        if (sessions != null) {
            long after = sessions.path("rssAfterKb").asLong(-1);
            md.append("| With ").append(sessions.path("sessionsOpened").asInt()).append(" open MCP sessions (of ")
                    .append(sessions.path("sessionsRequested").asInt()).append(" requested) | ").append(mib(after))
                    .append(" |\n");
            if (rssIdle > 0 && after > 0 && sessions.path("sessionsOpened").asInt() > 0) {
                md.append("| Growth per session (vs idle) | ")
                        .append(String.format(Locale.ROOT, "%.1f KiB", (after - rssIdle) / (double) sessions.path("sessionsOpened").asInt()))
                        .append(" |\n");
            }
        } else {
            md.append("| With 1,000 open MCP sessions | n/a |\n");
        }
        if (rssAfterLoad > 0) {
            md.append("| After the load runs | ").append(mib(rssAfterLoad)).append(" |\n");
        }
        md.append('\n');
        if (sessions != null && sessions.path("errors").asInt() > 0) {
            md.append("Session errors: ").append(sessions.path("errors").asInt()).append("; first: `")
                    .append(sessions.path("errorSample").asText().replace('`', '\'')).append("`\n\n");
        }

        // ---- machine
        md.append("## Machine and settings\n\n| Fact | Value |\n|---|---|\n");
        for (Map.Entry<String, String> e : meta.entrySet()) {
            md.append("| ").append(e.getKey()).append(" | ").append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        md.append('\n');

        md.append("## How to read this\n\n")
                .append("- *Added* latency is gateway minus direct at the same percentile and the same number of ")
                .append("connections; since the echo upstream answers in microseconds, it is the gateway's cost.\n")
                .append("- The load is closed-loop: each connection sends its next request when the previous ")
                .append("answer arrives. With C connections, latency ≈ C / throughput (Little's law), so once the ")
                .append("CPU is saturated, added latency also contains queueing. Run with `CONNECTIONS=\"1 16\"` to ")
                .append("see the pure per-request overhead (1 connection) next to the saturated case.\n")
                .append("- Load generator, echo upstream and gateway share the same machine and cores, so the ")
                .append("gateway's throughput ratio includes the CPU it takes away from the other two.\n")
                .append("- Numbers from different machines or runs are not comparable; compare direct and gateway ")
                .append("within one report. The individual measurements show the run-to-run noise.\n");

        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(out, md.toString());
        System.out.println("report written to " + out);
    }

    private static String row(String metric, String d, String g, String cmp) {
        return "| " + metric + " | " + (d == null ? "n/a" : d) + " | " + (g == null ? "n/a" : g) + " | " + cmp + " |\n";
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String status(boolean met) {
        return met ? "**met**" : "**missed**";
    }

    /** A {@code --meta NAME=VALUE} argument into the report's settings table (a bare NAME gets an empty value). */
    static void putMeta(java.util.Map<String, String> meta, String nameValue) {
        int eq = nameValue.indexOf('=');
        meta.put(eq < 0 ? nameValue : nameValue.substring(0, eq), eq < 0 ? "" : nameValue.substring(eq + 1));
    }

    static String fmt3(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String signed3(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
    }

    static String fmt0(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

    static String mib(long kb) {
        return kb <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", kb / 1024.0);
    }
}
