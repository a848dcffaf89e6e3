package dev.mcpgateway.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.mcpgateway.testing.NodePeers;

/**
 * The pinned versions of the MCP conformance suite (src/test/node/package.json) and how each is
 * run in server mode: the CLI writes one {@code checks.json} per scenario under {@code -o DIR} and
 * prints which scenario went where.
 */
enum ConformanceSuite {

    /** 0.1.16: every server scenario it has, pending ones included. */
    STABLE("@modelcontextprotocol/conformance", List.of("--suite", "all")),
    /**
     * 0.2.0-alpha.12 (npm alias {@code conformance-next}): exactly what revision 2025-11-25 requires,
     * frozen at its release, plus the scenarios it runs but does not score.
     */
    NEXT("conformance-next", List.of("--requirements", "2025-11-25")),
    /**
     * 0.2.0-alpha.12 again: what revision 2026-07-28 requires (stateless requests, discovery,
     * listen streams, input_required), plus the scenarios it runs without scoring.
     */
    NEXT_2026("conformance-next", List.of("--requirements", "2026-07-28"));

    /** The suites run against the session-based upstream of {@link ConformanceSuiteTest}. */
    static final List<ConformanceSuite> SESSION_ERA = List.of(STABLE, NEXT);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern RUNNING = Pattern.compile("^=== Running scenario: (\\S+) ===$");
    private static final Pattern SAVED = Pattern.compile("^Results saved to (.+)$");
    private static final Pattern NOT_SCORED = Pattern.compile("^\\s+[✓✗] (\\S+) \\((.+)\\)$");
    private static final Pattern LOOPBACK_PORT = Pattern.compile("127\\.0\\.0\\.1:\\d+");
    private static final long TIMEOUT_MINUTES = 10;

    private final Path packageDir;
    private final List<String> args;

    ConformanceSuite(String npmName, List<String> args) {
        this.packageDir = NodePeers.MODULES.resolve(npmName);
        this.args = args;
    }

    /** The installed version, from its package.json. */
    String version() {
        try {
            return MAPPER.readTree(packageDir.resolve("package.json").toFile()).path("version").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CLI arguments after {@code server --url URL}, as shown in the report. */
    String arguments() {
        return String.join(" ", args);
    }

    void requireInstalled() {
        if (!Files.exists(packageDir.resolve("dist/index.js"))) {
            throw new IllegalStateException("The conformance suite is missing at " + packageDir + ": run `npm ci` in "
                    + NodePeers.DIR);
        }
    }

    /** How one scenario went, judged from its checks. */
    enum Verdict {
        /** At least one check succeeded and none failed. */
        PASS,
        /** A check failed, or the scenario left no results. */
        FAIL,
        /** No check failed but none succeeded either: only INFO or SKIPPED, nothing was verified. */
        NOT_EXERCISED
    }

    /**
     * One scenario: counts by check status, the failed checks ({@code id: message}), the ids of the
     * checks that warned, and why the suite did not score it (null when it did).
     */
    record ScenarioResult(String name, Verdict verdict, int succeeded, int failed, List<String> failures,
            List<String> warnings, String notScored) {
    }

    /** One run of the suite against one URL. */
    record Run(ConformanceSuite suite, String target, List<ScenarioResult> scenarios) {

        ScenarioResult scenario(String name) {
            return scenarios.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        }

        long count(Verdict verdict) {
            return scenarios.stream().filter(s -> s.verdict() == verdict).count();
        }
    }

    /** Runs every scenario of this suite against {@code url}; {@code target} names the run. */
    Run run(String target, String url, Path workDir) {
        requireInstalled();
        try {
            Path out = Files.createDirectories(workDir.resolve(name().toLowerCase() + "-" + target));
            Path log = workDir.resolve(name().toLowerCase() + "-" + target + ".log");
            List<String> cmd = new ArrayList<>(List.of(NodePeers.node(), packageDir.resolve("dist/index.js").toString(),
                    "server", "--url", url));
            cmd.addAll(args);
            cmd.addAll(List.of("-o", out.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(NodePeers.DIR.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("NO_COLOR", "1");
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("conformance " + version() + " against " + target + " did not finish in "
                        + TIMEOUT_MINUTES + " min; output so far:\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            List<ScenarioResult> scenarios = parse(output);
            if (scenarios.isEmpty()) {
                throw new AssertionError("conformance " + version() + " against " + target + " ran no scenario (exit "
                        + p.exitValue() + "):\n" + output);
            }
            return new Run(this, target, scenarios);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<ScenarioResult> parse(String output) throws IOException {
        Map<String, Path> saved = new LinkedHashMap<>();
        Map<String, String> notScored = new LinkedHashMap<>();
        String current = null;
        boolean inNotScored = false;
        for (String line : output.split("\\R")) {
            Matcher m;
            if ((m = RUNNING.matcher(line)).matches()) {
                current = m.group(1);
                saved.put(current, null);
            } else if ((m = SAVED.matcher(line)).matches() && current != null) {
                saved.put(current, Path.of(m.group(1).strip()));
            } else if (line.startsWith("Not scored for")) {
                inNotScored = true;
            } else if (inNotScored && (m = NOT_SCORED.matcher(line)).matches()) {
                notScored.put(m.group(1), m.group(2));
            }
        }
        List<ScenarioResult> results = new ArrayList<>();
        for (Map.Entry<String, Path> e : saved.entrySet()) {
            String name = e.getKey();
            Path checksFile = e.getValue() == null ? null : e.getValue().resolve("checks.json");
            if (checksFile == null || !Files.exists(checksFile)) {
                results.add(new ScenarioResult(name, Verdict.FAIL, 0, 0, List.of("no results were written"), List.of(),
                        notScored.get(name)));
                continue;
            }
            int succeeded = 0;
            List<String> failures = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            for (JsonNode check : MAPPER.readTree(checksFile.toFile())) {
                String id = check.path("id").asText();
                switch (check.path("status").asText()) {
                    case "SUCCESS" -> succeeded++;
                    case "FAILURE" -> failures.add(id + ": " + clean(check.path("errorMessage").asText("")));
                    case "WARNING" -> warnings.add(id);
                    default -> {
                        // INFO and SKIPPED verify nothing.
                    }
                }
            }
            Verdict verdict = !failures.isEmpty() ? Verdict.FAIL : succeeded == 0 ? Verdict.NOT_EXERCISED : Verdict.PASS;
            results.add(new ScenarioResult(name, verdict, succeeded, failures.size(), failures, warnings,
                    notScored.get(name)));
        }
        return results;
    }

    /** One line, no port numbers (so the report only changes when results do), at most 200 chars. */
    private static String clean(String message) {
        String s = LOOPBACK_PORT.matcher(message.replaceAll("\\s+", " ").strip()).replaceAll("127.0.0.1:PORT");
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
