package dev.mcpgateway.loadtest;

import static dev.mcpgateway.loadtest.Report.fmt0;
import static dev.mcpgateway.loadtest.Report.fmt3;
import static dev.mcpgateway.loadtest.Report.signed3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.loadtest.Charts.Panel;
import dev.mcpgateway.loadtest.Charts.Series;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code bench.sh} report: per upstream, target and connection count the merged latency histograms, throughput,
 * errors and CPU per call of every process; ratios to the HAProxy hop; the scale and failover figures; SVG charts.
 *
 * <pre>
 *   bench-report --raw DIR --out FILE.md --charts DIR --upstreams "json sse modern"
 *                --targets "direct haproxy gateway cluster" --connections "1 8 32" [--meta KEY=VALUE]...
 * </pre>
 *
 * Settings for the report's last table also come from {@code DIR/meta.txt} ({@code KEY=VALUE} lines), if present.
 */
public final class BenchReport {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static final Map<String, String> UPSTREAM_NAMES = Map.of(
            "json", "Java echo (`EchoUpstream`), `application/json` answers, 2025-11-25 sessions",
            "sse", "TypeScript SDK 1.32.2 (`McpServer` + `StreamableHTTPServerTransport`, stateful), "
                    + "`text/event-stream` answers, 2025-11-25 sessions",
            "modern", "TypeScript SDK 2.4.0 (`createMcpHandler`), revision 2026-07-28: no session, `_meta` and "
                    + "`Mcp-Method`/`Mcp-Name` on every request");
    static final Map<String, String> TARGET_SHORT = Map.of("direct", "direct", "haproxy", "HAProxy",
            "gateway", "gateway", "gateway-before", "before", "cluster", "cluster");
    /** Processes of each target besides the upstream: its hop. */
    static final Map<String, List<String>> HOP = Map.of(
            "direct", List.of(),
            "haproxy", List.of("haproxy"),
            "gateway", List.of("gateway"),
            "gateway-before", List.of("gateway-before"),
            "cluster", List.of("lb", "r1", "r2", "r3", "ispn1", "ispn2"));
    static final List<String> PROCESSES = List.of("upstream", "haproxy", "gateway", "gateway-before", "lb", "r1", "r2",
            "r3", "ispn1", "ispn2");
    static final Map<String, String> PROCESS_NAMES = Map.of("upstream", "upstream", "haproxy", "HAProxy (hop)",
            "gateway", "gateway", "gateway-before", "gateway (before)", "lb", "HAProxy (LB)", "r1", "replica r1",
            "r2", "replica r2", "r3", "replica r3", "ispn1", "Infinispan 1", "ispn2", "Infinispan 2");
    static final Map<String, String> PROCESS_COLORS = Map.of("upstream", "#9c755f", "haproxy", "#59a14f",
            "gateway", "#4e79a7", "gateway-before", "#a0cbe8", "lb", "#8cd17d", "r1", "#f28e2b", "r2", "#ffbe7d",
            "r3", "#d37295", "ispn1", "#b07aa1", "ispn2", "#d4a6c8");
    static final Map<String, String> TARGET_COLORS = Map.of("direct", "#bab0ac", "haproxy", "#59a14f",
            "gateway", "#4e79a7", "gateway-before", "#a0cbe8", "cluster", "#f28e2b");

    private BenchReport() {}

    /** The name of a target in tables and charts; a variant's ({@code gateway-NAME}) is its NAME. */
    static String shortName(String target) {
        String s = TARGET_SHORT.get(target);
        if (s != null) return s;
        return target.startsWith("gateway-") ? target.substring("gateway-".length()) : target;
    }

    /** The hop's processes of a target; a variant's is its own replica, named like the target. */
    static List<String> hop(String target) {
        return HOP.getOrDefault(target, List.of(target));
    }

    /**
     * Whether a process serves the calls of a target: the upstream, the hop, or a peer of a variant (named
     * {@code NAME.peer} for target {@code gateway-NAME}).
     */
    static boolean busy(String upstream, String target, String process) {
        return process.equals("upstream-" + upstream) || hop(target).contains(process)
                || (!HOP.containsKey(target) && target.startsWith("gateway-")
                        && process.startsWith(target.substring("gateway-".length()) + "."));
    }

    /** One (upstream, target, connections): merged rounds and summed CPU. */
    static final class Cell {
        final Report.Agg agg = new Report.Agg();
        final Map<String, Double> cpuSeconds = new HashMap<>();
        long calls;

        /** CPU microseconds per call of a process ("upstream" = this cell's upstream), NaN when unknown. */
        double us(String process) {
            Double s = cpuSeconds.get(process);
            return s == null || calls <= 0 ? Double.NaN : s * 1e6 / calls;
        }

        /** CPU per call of the hop's processes together. */
        double hopUs(String target) {
            if (hop(target).isEmpty()) return 0;
            double sum = 0;
            for (String p : hop(target)) {
                double v = us(p);
                if (Double.isNaN(v)) return Double.NaN;
                sum += v;
            }
            return sum;
        }

        boolean measured() {
            return !agg.runs.isEmpty();
        }
    }

    public static void main(String[] args) throws Exception {
        Path raw = null, out = null, charts = null;
        List<String> upstreams = List.of("json", "sse", "modern");
        List<String> targets = List.of("direct", "haproxy", "gateway", "cluster");
        List<Integer> conns = List.of(1, 8, 32);
        Map<String, String> meta = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--raw" -> { raw = Path.of(v); i++; }
                case "--out" -> { out = Path.of(v); i++; }
                case "--charts" -> { charts = Path.of(v); i++; }
                case "--upstreams" -> { upstreams = words(v); i++; }
                case "--targets" -> { targets = words(v); i++; }
                case "--connections" -> { conns = words(v).stream().map(Integer::parseInt).toList(); i++; }
                case "--meta" -> { Report.putMeta(meta, v); i++; }
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (raw == null || out == null) {
            throw new IllegalArgumentException("--raw DIR and --out FILE are required");
        }
        // bench.sh keeps the settings beside the raw data, so the report can be rendered again from it alone
        Path metaFile = raw.resolve("meta.txt");
        if (Files.exists(metaFile)) {
            Map<String, String> all = new LinkedHashMap<>();
            for (String line : Files.readAllLines(metaFile)) {
                int eq = line.indexOf('=');
                if (eq > 0) all.put(line.substring(0, eq), line.substring(eq + 1));
            }
            all.putAll(meta);
            meta = all;
        }
        if (charts == null) {
            charts = Path.of(out.toString().replaceFirst("\\.md$", ""));
        }
        // the order of the charts and tables: reference first
        List<String> order = new ArrayList<>();
        for (String t : List.of("direct", "haproxy", "gateway", "gateway-before", "cluster")) {
            if (targets.contains(t)) order.add(t);
        }
        // variants (gateway-NAME) have their own section; the hop comparison keeps to the fixed targets
        List<String> all = new ArrayList<>(order);
        for (String t : targets) {
            if (!all.contains(t)) all.add(t);
        }
        targets = order;

        Map<String, Cell> cells = read(raw);
        Files.createDirectories(charts);
        String chartsRel = relative(out, charts);

        StringBuilder md = new StringBuilder();
        String date = meta.getOrDefault("Date", java.time.LocalDate.now().toString());
        md.append("# The cost of a proxy hop: `tools/call` direct, through HAProxy, the gateway and the cluster (")
                .append(date).append(")\n\n");
        md.append("Generated by `load-tests/bench.sh`. One closed-loop load generator (one request in flight per ")
                .append("connection; each connection is one MCP session, open for the whole measurement) calls the ")
                .append("`echo` tool of the same upstream through each target, rounds interleaved. Targets: **direct** ")
                .append("(generator → upstream), **HAProxy** (one HAProxy in http mode with keep-alive in front of the ")
                .append("upstream: the reference cost of one L7 hop), **gateway** (one replica, in-memory store)");
        if (targets.contains("gateway-before")) {
            md.append(", **before** (the same with the baseline gateway build)");
        }
        md.append(" and **cluster** (HAProxy round-robin → 3 replicas with `store=infinispan` → 2 Infinispan nodes). ")
                .append("Latencies in **milliseconds**, CPU in **microseconds per call** (user + system time of each ")
                .append("process from `/proc/PID/stat`, over all calls the generator sent, warm-up included).\n\n");
        md.append("Upstreams:\n\n");
        for (String u : upstreams) {
            md.append("- **").append(u).append("**: ").append(UPSTREAM_NAMES.getOrDefault(u, u)).append('\n');
        }
        md.append('\n');

        summary(md, cells, upstreams, targets, conns);
        BenchVariants.section(md, cells, BenchVariants.read(raw), upstreams, conns, charts, chartsRel);
        for (String u : upstreams) {
            upstreamSection(md, cells, u, targets, conns, charts, chartsRel);
        }
        BenchExtras.background(md, raw);
        BenchExtras.scale(md, raw, meta);
        BenchExtras.failover(md, raw, meta);
        BenchExtras.rounds(md, cells, upstreams, all, conns);
        md.append("## Machine and settings\n\n| Fact | Value |\n|---|---|\n");
        for (Map.Entry<String, String> e : meta.entrySet()) {
            md.append("| ").append(e.getKey()).append(" | ").append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        md.append('\n');
        BenchExtras.howToRead(md);

        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(out, md.toString());
        System.out.println("report written to " + out + ", charts in " + charts);
    }

    // ---- input ---------------------------------------------------------------------------------------------

    static Map<String, Cell> read(Path raw) throws IOException, java.util.zip.DataFormatException {
        Map<String, Cell> cells = new HashMap<>();
        try (Stream<Path> files = Files.list(raw)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode n = MAPPER.readTree(f.toFile());
                if (!"tools-call".equals(n.path("mode").asText())) continue;
                String[] label = n.path("label").asText().split("/", 2);
                if (label.length < 2) continue;
                Cell c = cells.computeIfAbsent(key(label[0], label[1], n.path("connections").asInt()), k -> new Cell());
                Report.Agg a = c.agg;
                a.runs.add(n);
                a.hist.add(LoadGenerator.decode(n.path("histogram").asText()));
                a.successful += n.path("successful").asLong();
                a.requests += n.path("requests").asLong();
                a.errors += n.path("errors").asLong();
                a.seconds += n.path("durationSeconds").asDouble();
            }
        }
        Path cpu = raw.resolve("cpu.tsv");
        if (Files.exists(cpu)) {
            Map<String, Long> callsPerRun = new HashMap<>();
            for (String line : Files.readAllLines(cpu)) {
                String[] p = line.split("\t");
                if (p.length < 8 || p[0].equals("upstream")) continue;
                String upstream = p[0], target = p[1], process = p[4];
                Cell c = cells.computeIfAbsent(key(upstream, target, Integer.parseInt(p[2])), k -> new Cell());
                if (process.startsWith("upstream-")) {
                    if (!process.equals("upstream-" + upstream)) continue;
                    process = "upstream";
                }
                c.cpuSeconds.merge(process, Double.parseDouble(p[5]), Double::sum);
                callsPerRun.put(key(upstream, target, Integer.parseInt(p[2])) + "/" + p[3], Long.parseLong(p[6]));
            }
            callsPerRun.forEach((k, v) -> cells.get(k.substring(0, k.lastIndexOf('/'))).calls += v);
        }
        return cells;
    }

    static String key(String upstream, String target, int connections) {
        return upstream + "|" + target + "|" + connections;
    }

    static Cell cell(Map<String, Cell> cells, String u, String t, int c) {
        Cell x = cells.get(key(u, t, c));
        return x != null && x.measured() ? x : null;
    }

    // ---- summary -------------------------------------------------------------------------------------------

    static void summary(StringBuilder md, Map<String, Cell> cells, List<String> upstreams, List<String> targets,
                        List<Integer> conns) {
        List<String> hops = targets.stream().filter(t -> !t.equals("direct") && !t.equals("haproxy")).toList();
        md.append("## Summary\n\n");
        md.append("**CPU per call of the hop** (µs; the hop's own processes: HAProxy; the gateway replica; for the ")
                .append("cluster its HAProxy, 3 replicas and 2 Infinispan nodes together) and that **÷ HAProxy's**:\n\n");
        md.append("| Upstream | Connections | HAProxy");
        for (String t : hops) md.append(" | ").append(TARGET_SHORT.get(t)).append(" | ÷ HAProxy");
        md.append(" |\n|---|---:|---:").append("|---:|---:".repeat(hops.size())).append("|\n");
        for (String u : upstreams) {
            for (int c : conns) {
                Cell h = cell(cells, u, "haproxy", c);
                double ref = h == null ? Double.NaN : h.hopUs("haproxy");
                md.append("| ").append(u).append(" | ").append(c).append(" | ").append(us(ref));
                for (String t : hops) {
                    Cell x = cell(cells, u, t, c);
                    double v = x == null ? Double.NaN : x.hopUs(t);
                    md.append(" | ").append(us(v)).append(" | **").append(ratio(v, ref)).append("**");
                }
                md.append(" |\n");
            }
        }
        md.append("\n**p50 latency** (ms) direct, and **added p50 over direct** (ms) per target; **throughput ÷ HAProxy's**:\n\n");
        List<String> notDirect = targets.stream().filter(t -> !t.equals("direct")).toList();
        md.append("| Upstream | Connections | p50 direct");
        for (String t : notDirect) md.append(" | + ").append(TARGET_SHORT.get(t));
        for (String t : hops) md.append(" | calls/s ").append(TARGET_SHORT.get(t)).append(" ÷ HAProxy");
        md.append(" |\n|---|---:|---:").append("|---:".repeat(notDirect.size() + hops.size())).append("|\n");
        for (String u : upstreams) {
            for (int c : conns) {
                Cell d = cell(cells, u, "direct", c);
                Cell h = cell(cells, u, "haproxy", c);
                md.append("| ").append(u).append(" | ").append(c).append(" | ").append(d == null ? "n/a" : fmt3(d.agg.ms(50)));
                for (String t : notDirect) {
                    Cell x = cell(cells, u, t, c);
                    md.append(" | ").append(x == null || d == null ? "n/a" : signed3(x.agg.ms(50) - d.agg.ms(50)));
                }
                for (String t : hops) {
                    Cell x = cell(cells, u, t, c);
                    md.append(" | ").append(x == null || h == null ? "n/a"
                            : ratio(x.agg.throughput(), h.agg.throughput()));
                }
                md.append(" |\n");
            }
        }
        long errors = cells.values().stream().mapToLong(x -> x.agg.errors).sum();
        md.append('\n').append(errors == 0 ? "No errors in any measurement.\n\n"
                : "**" + errors + " errors** in the measurements: see the tables below.\n\n");
    }

    // ---- one upstream ----------------------------------------------------------------------------------------

    static void upstreamSection(StringBuilder md, Map<String, Cell> cells, String u, List<String> targets,
                                List<Integer> conns, Path charts, String chartsRel) throws IOException {
        md.append("## Upstream ").append(u).append("\n\n").append(UPSTREAM_NAMES.getOrDefault(u, u)).append(".\n\n");
        List<String> groups = conns.stream().map(c -> c + (c == 1 ? " connection" : " connections")).toList();
        List<String> bars = targets.stream().map(TARGET_SHORT::get).toList();

        // CPU per call, stacked by process
        List<String> procs = PROCESSES.stream().filter(p -> p.equals("upstream")
                || targets.stream().anyMatch(t -> HOP.get(t).contains(p))).toList();
        double[][][] cpu = new double[conns.size()][targets.size()][procs.size()];
        for (int g = 0; g < conns.size(); g++) {
            for (int b = 0; b < targets.size(); b++) {
                Cell x = cell(cells, u, targets.get(b), conns.get(g));
                for (int k = 0; k < procs.size(); k++) {
                    String p = procs.get(k);
                    boolean belongs = p.equals("upstream") || HOP.get(targets.get(b)).contains(p);
                    cpu[g][b][k] = x != null && belongs ? x.us(p) : Double.NaN;
                }
            }
        }
        List<Series> procSeries = procs.stream().map(p -> new Series(PROCESS_NAMES.get(p), PROCESS_COLORS.get(p))).toList();
        List<Panel> cpuPanels = new ArrayList<>();
        cpuPanels.add(new Panel("CPU time per call of every process (µs), stacked", "µs per call", groups, bars,
                procSeries, cpu, true, false, Double.NaN, "%.0f"));
        if (targets.contains("cluster") && targets.size() > 1) {
            // the cluster's bars dwarf the single hops: the same without it
            int ci = targets.indexOf("cluster");
            List<String> zoomBars = new ArrayList<>(bars);
            zoomBars.remove(ci);
            List<Integer> keep = new ArrayList<>();
            for (int k = 0; k < procs.size(); k++) {
                if (!HOP.get("cluster").contains(procs.get(k))) keep.add(k);
            }
            double[][][] zoom = new double[conns.size()][zoomBars.size()][keep.size()];
            for (int g = 0; g < conns.size(); g++) {
                for (int b = 0, zb = 0; b < targets.size(); b++) {
                    if (b == ci) continue;
                    for (int k = 0; k < keep.size(); k++) zoom[g][zb][k] = cpu[g][b][keep.get(k)];
                    zb++;
                }
            }
            cpuPanels.add(new Panel("The same without the cluster", "µs per call", groups, zoomBars,
                    keep.stream().map(procSeries::get).toList(), zoom, true, false, Double.NaN, "%.0f"));
        }
        write(charts.resolve("cpu-" + u + ".svg"), Charts.svg("CPU per tools/call, upstream " + u, cpuPanels));

        // latency percentiles
        double[] ps = {50, 90, 99, 99.9};
        List<Series> pctSeries = List.of(new Series("p50", "#4e79a7"), new Series("p90", "#76b7b2"),
                new Series("p99", "#f28e2b"), new Series("p99.9", "#e15759"));
        double[][][] lat = new double[conns.size()][targets.size()][ps.length];
        for (int g = 0; g < conns.size(); g++) {
            for (int b = 0; b < targets.size(); b++) {
                Cell x = cell(cells, u, targets.get(b), conns.get(g));
                for (int k = 0; k < ps.length; k++) lat[g][b][k] = x == null ? Double.NaN : x.agg.ms(ps[k]);
            }
        }
        write(charts.resolve("latency-" + u + ".svg"), Charts.svg("tools/call latency, upstream " + u,
                List.of(new Panel("Latency percentiles (ms, log scale)", "ms", groups, bars, pctSeries, lat, false, true,
                        Double.NaN, "%.3f"))));

        // ratios to HAProxy
        List<String> hops = targets.stream().filter(t -> !t.equals("direct") && !t.equals("haproxy")).toList();
        List<String> notDirect = targets.stream().filter(t -> !t.equals("direct")).toList();
        List<String> tpTargets = targets.stream().filter(t -> !t.equals("haproxy")).toList();
        double[][][] cpuRatio = new double[conns.size()][hops.size()][1];
        double[][][] tpRatio = new double[conns.size()][tpTargets.size()][1];
        double[][][] added = new double[conns.size()][notDirect.size()][1];
        for (int g = 0; g < conns.size(); g++) {
            int c = conns.get(g);
            Cell h = cell(cells, u, "haproxy", c), d = cell(cells, u, "direct", c);
            for (int b = 0; b < hops.size(); b++) {
                Cell x = cell(cells, u, hops.get(b), c);
                cpuRatio[g][b][0] = x == null || h == null ? Double.NaN : x.hopUs(hops.get(b)) / h.hopUs("haproxy");
            }
            for (int b = 0; b < tpTargets.size(); b++) {
                Cell x = cell(cells, u, tpTargets.get(b), c);
                tpRatio[g][b][0] = x == null || h == null ? Double.NaN : x.agg.throughput() / h.agg.throughput();
            }
            for (int b = 0; b < notDirect.size(); b++) {
                Cell x = cell(cells, u, notDirect.get(b), c);
                added[g][b][0] = x == null || d == null ? Double.NaN : x.agg.ms(50) - d.agg.ms(50);
            }
        }
        write(charts.resolve("ratios-" + u + ".svg"), Charts.svg("Compared with one HAProxy hop, upstream " + u, List.of(
                new Panel("CPU per call of the hop ÷ HAProxy's (dashed: 1 = as cheap as HAProxy)", "× HAProxy", groups,
                        hops.stream().map(TARGET_SHORT::get).toList(), List.of(new Series("hop CPU ÷ HAProxy CPU", "#4e79a7")),
                        cpuRatio, false, false, 1.0, "%.1f"),
                new Panel("Throughput ÷ HAProxy's (dashed: 1)", "× HAProxy", groups,
                        tpTargets.stream().map(TARGET_SHORT::get).toList(), List.of(new Series("calls/s ÷ HAProxy calls/s", "#59a14f")),
                        tpRatio, false, false, 1.0, "%.2f"),
                new Panel("Added p50 over direct (ms)", "ms", groups, notDirect.stream().map(TARGET_SHORT::get).toList(),
                        List.of(new Series("p50 − direct p50", "#f28e2b")), added, false, false, Double.NaN, "%.3f"))));

        md.append("![CPU per call](").append(chartsRel).append("/cpu-").append(u).append(".svg)\n\n");
        md.append("![Latency](").append(chartsRel).append("/latency-").append(u).append(".svg)\n\n");
        md.append("![Ratios to HAProxy](").append(chartsRel).append("/ratios-").append(u).append(".svg)\n\n");

        md.append("| Target | Connections | Calls/s | p50 | p90 | p99 | p99.9 | Errors | CPU µs/call by process | Hop µs/call ")
                .append("| Hop ÷ HAProxy | Calls/s ÷ HAProxy | Added p50 |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n");
        for (int c : conns) {
            Cell h = cell(cells, u, "haproxy", c), d = cell(cells, u, "direct", c);
            for (String t : targets) {
                Cell x = cell(cells, u, t, c);
                if (x == null) {
                    md.append("| ").append(TARGET_SHORT.get(t)).append(" | ").append(c).append(" | not measured |||||||||||\n");
                    continue;
                }
                StringBuilder by = new StringBuilder();
                for (String p : PROCESSES) {
                    if (!p.equals("upstream") && !HOP.get(t).contains(p)) continue;
                    if (!by.isEmpty()) by.append(", ");
                    by.append(PROCESS_NAMES.get(p)).append(' ').append(us(x.us(p)));
                }
                double hop = x.hopUs(t);
                md.append("| ").append(TARGET_SHORT.get(t)).append(" | ").append(c).append(" | ")
                        .append(fmt0(x.agg.throughput())).append(" | ").append(fmt3(x.agg.ms(50))).append(" | ")
                        .append(fmt3(x.agg.ms(90))).append(" | ").append(fmt3(x.agg.ms(99))).append(" | ")
                        .append(fmt3(x.agg.ms(99.9))).append(" | ").append(x.agg.errors).append(" | ").append(by)
                        .append(" | ").append(t.equals("direct") ? "–" : us(hop)).append(" | ")
                        .append(t.equals("direct") || h == null ? "–" : ratio(hop, h.hopUs("haproxy"))).append(" | ")
                        .append(h == null ? "–" : ratio(x.agg.throughput(), h.agg.throughput())).append(" | ")
                        .append(t.equals("direct") || d == null ? "–" : signed3(x.agg.ms(50) - d.agg.ms(50))).append(" |\n");
            }
        }
        md.append('\n');
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    static String us(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b <= 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    static String relative(Path report, Path charts) {
        Path base = report.toAbsolutePath().getParent();
        return base == null ? charts.toString() : base.relativize(charts.toAbsolutePath()).toString();
    }

    static void write(Path f, String content) throws IOException {
        Files.writeString(f, content);
    }
}
