package dev.mcpgateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.mcpgateway.conformance.ConformanceReport.Comparison;
import dev.mcpgateway.conformance.ConformanceSuite.Run;
import dev.mcpgateway.conformance.ConformanceSuite.ScenarioResult;
import dev.mcpgateway.conformance.ConformanceSuite.Verdict;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The MCP conformance suite (both pinned versions, server mode) against the gateway fronting
 * {@link ConformanceUpstream}, and against that upstream alone as the baseline. Writes
 * docs/conformance.md, then fails if any scenario does not pass that is not a known failure.
 */
@QuarkusTest
@WithTestResource(ConformanceUpstream.class)
class ConformanceSuiteTest {

    /**
     * Scenarios allowed not to pass, keyed {@code "<suite version> <gateway|direct> <scenario>"},
     * each with the reason. A listed scenario that passes fails the test as well, so that the list
     * stays true.
     */
    static final Map<String, String> KNOWN_FAILURES = Map.of(
            "0.1.16 direct server-sse-polling",
            "baseline only, the suite's fault: 0.1.16 sends its raw tools/call with MCP-Protocol-Version 2025-03-26"
                    + " whatever was negotiated, and the TypeScript SDK then neither primes the stream nor lets the"
                    + " tool close it, so nothing is verified (0.2.0 sends the negotiated version and passes).");

    /**
     * Fewest scenarios each suite must run: what it ran when this test was written (0.1.16: all 32
     * server scenarios; 0.2.0-alpha.12: the 30 of the 2025-11-25 requirement set plus 3 it runs
     * without scoring). Fewer means the CLI or its output changed and results would go unseen.
     */
    static final Map<ConformanceSuite, Integer> MIN_SCENARIOS = Map.of(ConformanceSuite.STABLE, 32,
            ConformanceSuite.NEXT, 33);

    /**
     * Written under target/ so a test run leaves the checkout as it was; {@code -Dconformance.docs=true}
     * writes docs/ instead, to publish a new report.
     */
    static final Path REPORT = Path.of(Boolean.getBoolean("conformance.docs") ? "docs" : "target", "conformance.md");

    @TestHTTPResource("/mcp")
    String gateway;

    @Test
    void everyScenarioPassesThroughTheGateway() throws IOException {
        String upstream = ConfigProvider.getConfig().getValue(ConformanceUpstream.DIRECT_URL, String.class);
        List<Comparison> comparisons = new ArrayList<>();
        Path work = Files.createTempDirectory("conformance-");
        try {
            for (ConformanceSuite suite : ConformanceSuite.SESSION_ERA) {
                Run direct = suite.run("direct", upstream, work);
                Run through = suite.run("gateway", gateway, work);
                comparisons.add(new Comparison(suite, direct, through));
            }
        } finally {
            deleteTree(work);
        }

        Files.createDirectories(REPORT.toAbsolutePath().getParent());
        Files.writeString(REPORT, ConformanceReport.markdown(comparisons, KNOWN_FAILURES), StandardCharsets.UTF_8);

        List<String> problems = new ArrayList<>();
        for (Comparison c : comparisons) {
            String version = c.suite().version();
            assertThat(c.direct().scenarios()).as("scenarios run by %s", version)
                    .hasSizeGreaterThanOrEqualTo(MIN_SCENARIOS.get(c.suite()));
            assertThat(c.gateway().scenarios().stream().map(ScenarioResult::name))
                    .as("%s runs the same scenarios through the gateway as against the upstream", version)
                    .containsExactlyElementsOf(c.direct().scenarios().stream().map(ScenarioResult::name).toList());
            for (Run run : List.of(c.direct(), c.gateway())) {
                for (ScenarioResult s : run.scenarios()) {
                    String key = version + " " + run.target() + " " + s.name();
                    boolean known = KNOWN_FAILURES.containsKey(key);
                    if (s.verdict() != Verdict.PASS && !known) {
                        problems.add(key + ": " + s.verdict() + " " + s.failures());
                    } else if (s.verdict() == Verdict.PASS && known) {
                        problems.add(key + ": passes now; remove it from KNOWN_FAILURES");
                    }
                }
            }
        }
        assertThat(problems).as("conformance scenarios that did not pass (see %s)", REPORT).isEmpty();
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
