package dev.mcpgateway.loadtest;

import static dev.mcpgateway.loadtest.BenchReport.cell;
import static dev.mcpgateway.loadtest.BenchReport.ratio;
import static dev.mcpgateway.loadtest.BenchReport.us;
import static dev.mcpgateway.loadtest.Report.fmt0;
import static dev.mcpgateway.loadtest.Report.fmt3;
import static dev.mcpgateway.loadtest.Report.signed3;

import dev.mcpgateway.loadtest.Charts.Panel;
import dev.mcpgateway.loadtest.Charts.Series;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The variants part of the {@code bench.sh} report: gateway replicas started with a changed configuration or
 * environment ({@code VARIANTS}, files in {@code load-tests/variants/}), measured as targets {@code gateway-NAME}
 * in the same rounds, each compared with its baseline (plain {@code gateway}, or another variant such as
 * {@code gateway-apikey}), with {@code gateway} and with HAProxy.
 *
 * <p>{@code bench.sh} writes {@code variants.tsv} beside the raw data: name, baseline target, description and the
 * names of the variant's peer processes (an authorization server, a Kafka broker), comma-separated.
 */
final class BenchVariants {

    /** One variant as bench.sh described it. */
    record Variant(String name, String baseline, String description, List<String> peers, String check) {
        String target() {
            return "gateway-" + name;
        }
    }

    private BenchVariants() {}

    static List<Variant> read(Path raw) throws IOException {
        Path f = raw.resolve("variants.tsv");
        List<Variant> out = new ArrayList<>();
        if (!Files.exists(f)) return out;
        for (String line : Files.readAllLines(f)) {
            String[] p = line.split("\t", -1);
            if (p.length < 3 || p[0].equals("variant") || p[0].isBlank()) continue;
            List<String> peers = p.length > 3 && !p[3].isBlank() ? Arrays.asList(p[3].split(",")) : List.of();
            Path check = raw.resolve("variant-" + p[0] + ".check");
            String result = Files.exists(check) ? Files.readString(check).strip() : "";
            out.add(new Variant(p[0], p[1], p[2], peers, result));
        }
        return out;
    }

    /** CPU per call of the variant's peers together (0 without peers, NaN when unknown). */
    static double peersUs(BenchReport.Cell x, Variant v) {
        double sum = 0;
        for (String p : v.peers()) {
            double u = x.us(p);
            if (Double.isNaN(u)) return Double.NaN;
            sum += u;
        }
        return sum;
    }

    static String shortName(String target) {
        return BenchReport.shortName(target);
    }

    static void section(StringBuilder md, Map<String, BenchReport.Cell> cells, List<Variant> variants,
                        List<String> upstreams, List<Integer> conns, Path charts, String chartsRel) throws IOException {
        if (variants.isEmpty()) return;
        md.append("## Variants: what a feature adds to a `tools/call`\n\n");
        md.append("Each variant is one more gateway replica (in-memory store, like **gateway**) started with a changed ")
                .append("`mcp-servers.json` and/or environment (`VARIANTS`, files in `load-tests/variants/`), measured ")
                .append("as target `gateway-NAME` in the same rounds as the others. **Δ CPU** is the replica's CPU per ")
                .append("call minus its baseline's, **Δ p50** its p50 minus the baseline's (at 1 connection: the added ")
                .append("time per call; at more connections queueing adds to it). Peers (an authorization server, a ")
                .append("Kafka broker) are counted apart, as *peers µs/call*. The baseline's own row is in each table.\n\n");
        md.append("| Variant | Compared with | What changes | Feature on? |\n|---|---|---|---|\n");
        for (Variant v : variants) {
            md.append("| ").append(v.name()).append(" | ").append(shortName(v.baseline())).append(" | ")
                    .append(v.description().replace("|", "\\|")).append(" | ").append(switch (v.check()) {
                        case "ok" -> "checked";
                        case "" -> "not checked";
                        default -> "**check failed**: the replica may have ignored it";
                    }).append(" |\n");
        }
        md.append("\n*Feature on?*: the variant's own check after the measurements (`variant_check`: e.g. a call ")
                .append("without a key refused, the rule's meter counting, tokens issued); its output is in ")
                .append("`results/raw-bench/variant-NAME.log`.\n\n");

        md.append("**Summary**: Δ CPU per call of the replica (µs) / Δ p50 (ms) over the baseline:\n\n");
        md.append("| Variant | Upstream");
        for (int c : conns) md.append(" | ").append(c).append(c == 1 ? " connection" : " connections");
        md.append(" |\n|---|---").append("|---:".repeat(conns.size())).append("|\n");
        for (Variant v : variants) {
            for (String u : upstreams) {
                md.append("| ").append(v.name()).append(" | ").append(u);
                for (int c : conns) {
                    BenchReport.Cell x = cell(cells, u, v.target(), c), b = cell(cells, u, v.baseline(), c);
                    md.append(" | ").append(x == null || b == null ? "n/a"
                            : signedUs(x.us(v.target()) - b.hopUs(v.baseline())) + " / " + signed3(x.agg.ms(50) - b.agg.ms(50)));
                }
                md.append(" |\n");
            }
        }
        md.append('\n');

        for (String u : upstreams) {
            upstream(md, cells, variants, u, conns, charts, chartsRel);
        }
    }

    private static void upstream(StringBuilder md, Map<String, BenchReport.Cell> cells, List<Variant> variants,
                                 String u, List<Integer> conns, Path charts, String chartsRel) throws IOException {
        md.append("### Variants, upstream ").append(u).append("\n\n");
        List<String> groups = conns.stream().map(c -> c + (c == 1 ? " connection" : " connections")).toList();
        List<String> bars = variants.stream().map(Variant::name).toList();
        double[][][] dCpu = new double[conns.size()][variants.size()][1];
        double[][][] dP50 = new double[conns.size()][variants.size()][1];
        for (int g = 0; g < conns.size(); g++) {
            for (int b = 0; b < variants.size(); b++) {
                Variant v = variants.get(b);
                BenchReport.Cell x = cell(cells, u, v.target(), conns.get(g));
                BenchReport.Cell base = cell(cells, u, v.baseline(), conns.get(g));
                boolean both = x != null && base != null;
                dCpu[g][b][0] = both ? x.us(v.target()) - base.hopUs(v.baseline()) : Double.NaN;
                dP50[g][b][0] = both ? x.agg.ms(50) - base.agg.ms(50) : Double.NaN;
            }
        }
        BenchReport.write(charts.resolve("variants-" + u + ".svg"), Charts.svg("Variants over their baseline, upstream " + u,
                List.of(new Panel("Added CPU per call of the replica (µs)", "µs per call", groups, bars,
                                List.of(new Series("replica CPU − baseline's", "#4e79a7")), dCpu, false, false, Double.NaN,
                                "%.1f"),
                        new Panel("Added p50 (ms)", "ms", groups, bars, List.of(new Series("p50 − baseline's p50", "#f28e2b")),
                                dP50, false, false, Double.NaN, "%.3f"))));
        md.append("![Variants](").append(chartsRel).append("/variants-").append(u).append(".svg)\n\n");

        md.append("| Target | vs | Connections | Calls/s | p50 | p99 | Errors | Replica µs/call | Peers µs/call ")
                .append("| Δ CPU µs | Δ p50 ms | CPU ÷ gateway | CPU ÷ HAProxy | Calls/s ÷ gateway | Calls/s ÷ HAProxy |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int c : conns) {
            BenchReport.Cell gw = cell(cells, u, "gateway", c), hp = cell(cells, u, "haproxy", c);
            double gwUs = gw == null ? Double.NaN : gw.hopUs("gateway");
            double hpUs = hp == null ? Double.NaN : hp.hopUs("haproxy");
            if (gw != null) {
                row(md, "gateway", "–", c, gw, gwUs, "–", "–", "–", "1.00", ratio(gwUs, hpUs), "1.00",
                        hp == null ? "n/a" : ratio(gw.agg.throughput(), hp.agg.throughput()));
            }
            for (Variant v : variants) {
                BenchReport.Cell x = cell(cells, u, v.target(), c);
                if (x == null) {
                    md.append("| ").append(v.name()).append(" | ").append(shortName(v.baseline())).append(" | ").append(c)
                            .append(" | not measured |||||||||||\n");
                    continue;
                }
                BenchReport.Cell b = cell(cells, u, v.baseline(), c);
                double mine = x.us(v.target());
                row(md, v.name(), shortName(v.baseline()), c, x, mine, v.peers().isEmpty() ? "–" : us(peersUs(x, v)),
                        b == null ? "n/a" : signedUs(mine - b.hopUs(v.baseline())),
                        b == null ? "n/a" : signed3(x.agg.ms(50) - b.agg.ms(50)), ratio(mine, gwUs), ratio(mine, hpUs),
                        gw == null ? "n/a" : ratio(x.agg.throughput(), gw.agg.throughput()),
                        hp == null ? "n/a" : ratio(x.agg.throughput(), hp.agg.throughput()));
            }
        }
        md.append('\n');
    }

    private static void row(StringBuilder md, String name, String vs, int c, BenchReport.Cell x, double replicaUs,
                            String peers, String dCpu, String dP50, String cpuGw, String cpuHp, String tpGw, String tpHp) {
        md.append("| ").append(name).append(" | ").append(vs).append(" | ").append(c).append(" | ")
                .append(fmt0(x.agg.throughput())).append(" | ").append(fmt3(x.agg.ms(50))).append(" | ")
                .append(fmt3(x.agg.ms(99))).append(" | ").append(x.agg.errors).append(" | ").append(us(replicaUs))
                .append(" | ").append(peers).append(" | **").append(dCpu).append("** | **").append(dP50).append("** | ")
                .append(cpuGw).append(" | ").append(cpuHp).append(" | ").append(tpGw).append(" | ").append(tpHp)
                .append(" |\n");
    }

    static String signedUs(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.1f", v);
    }
}
