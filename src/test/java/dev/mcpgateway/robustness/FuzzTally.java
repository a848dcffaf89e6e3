package dev.mcpgateway.robustness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Counts what the gateway answered, per category; renders the report the docs quote. */
final class FuzzTally {

    private static final Pattern ERROR_CODE = Pattern.compile("\"error\"\\s*:\\s*\\{[^{}]*?\"code\"\\s*:\\s*(-?\\d+)");

    /** A request that broke a rule: 5xx, connection failure, or no answer in time. */
    record Failure(FuzzRequests.Fuzz fuzz, String what) {
    }

    private final Map<String, Map<String, LongAdder>> statuses = new ConcurrentHashMap<>();
    private final Map<String, Map<String, LongAdder>> codes = new ConcurrentHashMap<>();
    private final Map<String, LongAccumulator> slowest = new ConcurrentHashMap<>();
    private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

    void answered(FuzzRequests.Fuzz fuzz, int status, String body, long millis) {
        count(statuses, fuzz.category(), Integer.toString(status));
        Matcher m = ERROR_CODE.matcher(body.length() > 20_000 ? body.substring(0, 20_000) : body);
        count(codes, fuzz.category(), m.find() ? m.group(1) : status == 200 ? "result" : "none");
        slowest.computeIfAbsent(fuzz.category(), k -> new LongAccumulator(Math::max, 0)).accumulate(millis);
        if (status >= 500) {
            failures.add(new Failure(fuzz, "HTTP " + status + ": " + abbreviate(body)));
        }
    }

    void failed(FuzzRequests.Fuzz fuzz, String kind, Throwable t, long millis) {
        if (!kind.equals("over-10s")) {
            count(statuses, fuzz.category(), kind); // a slow answer was counted by its status already
        }
        slowest.computeIfAbsent(fuzz.category(), k -> new LongAccumulator(Math::max, 0)).accumulate(millis);
        failures.add(new Failure(fuzz, kind + ": " + t));
    }

    List<Failure> failures() {
        return List.copyOf(failures);
    }

    long count(String category) {
        return statuses.getOrDefault(category, Map.of()).values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static void count(Map<String, Map<String, LongAdder>> table, String category, String key) {
        table.computeIfAbsent(category, k -> new ConcurrentHashMap<>()).computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    String markdown(long seed, int concurrency, long elapsedMillis) {
        StringBuilder s = new StringBuilder();
        long total = FuzzRequests.CATEGORIES.keySet().stream().mapToLong(this::count).sum();
        s.append("# HTTP fuzz run\n\n");
        s.append("Seed ").append(seed).append(", ").append(total).append(" requests, concurrency ").append(concurrency)
                .append(", ").append(elapsedMillis / 1000.0).append(" s. Gateway in front of server-everything over ")
                .append("Streamable HTTP (alpha, beta, filtered) and stdio (gamma).\n\n");
        s.append("## HTTP status per category\n\n");
        table(s, statuses);
        s.append("\n## JSON-RPC error code per category\n\n");
        s.append("`result`: a 200 without an error object; `none`: no JSON-RPC body (e.g. 202, 405).\n\n");
        table(s, codes);
        s.append("\n## Slowest answer per category (ms)\n\n| category | ms |\n|---|---|\n");
        FuzzRequests.CATEGORIES.keySet().forEach(c -> s.append("| ").append(c).append(" | ")
                .append(slowest.containsKey(c) ? slowest.get(c).get() : 0).append(" |\n"));
        s.append("\n## Failures (5xx, connection errors, no answer within 10 s): ").append(failures.size()).append("\n\n");
        synchronized (failures) {
            failures.stream().limit(50).forEach(f -> s.append("- #").append(f.fuzz().index()).append(" ")
                    .append(f.fuzz().category()).append(": ").append(f.what()).append("\n  `")
                    .append(abbreviate(f.fuzz().excerpt())).append("`\n"));
        }
        return s.toString();
    }

    private static void table(StringBuilder s, Map<String, Map<String, LongAdder>> table) {
        TreeMap<String, Boolean> columns = new TreeMap<>();
        table.values().forEach(row -> row.keySet().forEach(k -> columns.put(k, true)));
        s.append("| category | requests |");
        columns.keySet().forEach(c -> s.append(' ').append(c).append(" |"));
        s.append("\n|---|---|");
        columns.keySet().forEach(c -> s.append("---|"));
        s.append('\n');
        long[] sums = new long[columns.size() + 1];
        for (String category : FuzzRequests.CATEGORIES.keySet()) {
            Map<String, LongAdder> row = table.getOrDefault(category, Map.of());
            long n = row.values().stream().mapToLong(LongAdder::sum).sum();
            sums[0] += n;
            s.append("| ").append(category).append(" | ").append(n).append(" |");
            int i = 1;
            for (String c : columns.keySet()) {
                long v = row.containsKey(c) ? row.get(c).sum() : 0;
                sums[i++] += v;
                s.append(' ').append(v == 0 ? "" : Long.toString(v)).append(" |");
            }
            s.append('\n');
        }
        s.append("| **total** | ").append(sums[0]).append(" |");
        for (int i = 1; i < sums.length; i++) {
            s.append(' ').append(sums[i]).append(" |");
        }
        s.append('\n');
    }

    static String abbreviate(String s) {
        String one = s.replace("\n", "\\n").replace("`", "'");
        return one.length() > 240 ? one.substring(0, 240) + "..." : one;
    }
}
