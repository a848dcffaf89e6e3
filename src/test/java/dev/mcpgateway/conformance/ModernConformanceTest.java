package dev.mcpgateway.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
 * The 2026-07-28 requirement set of the conformance suite (0.2.0-alpha.12) against the gateway
 * fronting a stateless TypeScript SDK v2 upstream, and against that upstream alone. Writes
 * docs/conformance-2026-07-28.md. Every scenario the revision scores, and every pending one, must
 * pass through the gateway; the tasks extension is run and reported only, because the upstream does
 * not implement it.
 */
@QuarkusTest
@WithTestResource(ModernConformanceUpstream.class)
class ModernConformanceTest {

    /**
     * Written under target/ so a test run leaves the checkout as it was; {@code -Dconformance.docs=true}
     * writes docs/ instead, to publish a new report.
     */
    static final Path REPORT = Path.of(Boolean.getBoolean("conformance.docs") ? "docs" : "target", "conformance-2026-07-28.md");
    /** The 37 scored scenarios of the 2026-07-28 set, 3 pending ones and 10 of the tasks extension. */
    static final int MIN_SCENARIOS = 50;
    static final String TASKS_REASON = "the io.modelcontextprotocol/tasks extension (not scored): the test upstream"
            + " does not implement it";

    static final String INTRO = """
            The [MCP conformance suite](https://github.com/modelcontextprotocol/conformance) 0.2.0-alpha.12,
            requirement set of revision 2026-07-28, in server mode, run by `ModernConformanceTest` as part of
            `bin/mcp-gateway test`: once through the gateway, and once against the gateway's upstream alone
            as the baseline. The upstream is `src/test/node/modern-upstream.mjs`, a stateless server on the
            TypeScript SDK v2 (`@modelcontextprotocol/server` 2.4.0). It is the gateway's only backend, with
            `"prefixMode": "conditional"`, so the suite sees its names unprefixed. The suite talks to the
            gateway in 2026-07-28 (per-request `_meta`, `Mcp-Method`/`Mcp-Name`, no session) and the gateway
            talks to the upstream the same way: `server/discover` found the upstream's era.

            A scenario **passes** when at least one of its checks succeeded and none failed. **Not
            exercised** means it ended with INFO or SKIPPED checks only. The `tasks-*` scenarios belong to
            an extension the revision does not score, and the upstream does not implement it.

            """;

    @TestHTTPResource("/mcp")
    String gateway;

    @Test
    void everyScoredScenarioPassesThroughTheGateway() throws IOException {
        String upstream = ConfigProvider.getConfig().getValue(ModernConformanceUpstream.DIRECT_URL, String.class);
        Path work = Files.createTempDirectory("conformance-2026-");
        Comparison comparison;
        try {
            Run direct = ConformanceSuite.NEXT_2026.run("direct", upstream, work);
            Run through = ConformanceSuite.NEXT_2026.run("gateway", gateway, work);
            comparison = new Comparison(ConformanceSuite.NEXT_2026, direct, through);
        } finally {
            try (var paths = Files.walk(work)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        String version = ConformanceSuite.NEXT_2026.version();
        Map<String, String> known = new LinkedHashMap<>();
        for (Run run : List.of(comparison.direct(), comparison.gateway())) {
            for (ScenarioResult s : run.scenarios()) {
                if (s.name().startsWith("tasks-") && s.verdict() != Verdict.PASS) {
                    known.put(version + " " + run.target() + " " + s.name(), TASKS_REASON);
                }
            }
        }
        Files.writeString(REPORT, ConformanceReport.markdown("MCP conformance, revision 2026-07-28",
                "ModernConformanceTest", INTRO, List.of(comparison), known), StandardCharsets.UTF_8);

        assertThat(comparison.direct().scenarios()).hasSizeGreaterThanOrEqualTo(MIN_SCENARIOS);
        List<String> problems = new ArrayList<>();
        for (ScenarioResult s : comparison.gateway().scenarios()) {
            if (s.verdict() != Verdict.PASS && !s.name().startsWith("tasks-")) {
                problems.add(s.name() + ": " + s.verdict() + " " + s.failures());
            }
        }
        assertThat(problems).as("2026-07-28 scenarios that did not pass through the gateway (see %s)", REPORT).isEmpty();
    }
}
