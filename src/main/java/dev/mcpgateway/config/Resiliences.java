package dev.mcpgateway.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a backend's resilience fields, the same in an mcp-servers.json server entry and an
 * MCPRoute {@code backendRefs[]} entry: {@code circuitBreaker {failureThreshold, openFor}},
 * {@code maxConcurrent}, {@code failureMode} and {@code hideToolsWhenOpen}.
 */
final class Resiliences {

    /** Largest {@code failureThreshold} and {@code maxConcurrent}: beyond, a typo is more likely than intent. */
    static final int MAX_COUNT = 1_000_000;

    private static final Duration MIN_OPEN_FOR = Duration.ofMillis(1);
    private static final Duration MAX_OPEN_FOR = Duration.ofDays(1);

    private static final Map<String, Resilience.FailureMode> MODES = new LinkedHashMap<>();

    static {
        MODES.put("failOpen", Resilience.FailureMode.FAIL_OPEN);
        MODES.put("failClosed", Resilience.FailureMode.FAIL_CLOSED);
    }

    private Resiliences() {
    }

    /** The resilience settings of one backend entry ({@link Resilience#DEFAULT} when it sets none). */
    static Resilience parse(Node backend) throws ConfigException {
        int threshold = 0;
        Duration openFor = Resilience.DEFAULT_OPEN_FOR;
        Node breaker = backend.field("circuitBreaker");
        if (breaker.present()) {
            breaker.requireObject();
            breaker.allowOnly("failureThreshold", "openFor");
            Node t = breaker.field("failureThreshold");
            if (!t.present()) {
                throw t.error("required: consecutive failures that open the circuit");
            }
            threshold = count(t);
            openFor = breaker.field("openFor").duration(Resilience.DEFAULT_OPEN_FOR, MIN_OPEN_FOR, MAX_OPEN_FOR);
        }
        Node max = backend.field("maxConcurrent");
        int maxConcurrent = max.present() ? count(max) : 0;
        Resilience.FailureMode mode = backend.field("failureMode").oneOf(MODES, Resilience.FailureMode.FAIL_OPEN);
        Node hide = backend.field("hideToolsWhenOpen");
        boolean hideWhenOpen = hide.bool(false);
        if (hideWhenOpen && threshold == 0) {
            throw hide.error("needs a circuitBreaker: without one the circuit never opens");
        }
        return new Resilience(threshold, openFor, maxConcurrent, mode, hideWhenOpen);
    }

    /** A whole number from 1 to {@link #MAX_COUNT}: a number, or a string such as "${MAX:-64}". */
    private static int count(Node n) throws ConfigException {
        String text = n.node().isTextual() ? n.substitute(n.node().asText()).trim()
                : n.node().isIntegralNumber() ? n.node().asText() : null;
        try {
            int v = text == null ? -1 : Integer.parseInt(text);
            if (v >= 1 && v <= MAX_COUNT) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw n.error("expected a whole number from 1 to " + MAX_COUNT + ", got "
                + (text == null ? n.node().toString() : "\"" + text + "\""));
    }
}
