package dev.mcpgateway.config;

import java.time.Duration;

/**
 * How the gateway protects itself and a backend from each other: a circuit breaker, a bound on
 * concurrent requests, and what a session does when the backend is down at its start.
 *
 * @param failureThreshold consecutive failures that open the circuit (0: no circuit breaker)
 * @param openFor how long an open circuit refuses calls before one probe goes through
 * @param maxConcurrent requests in flight to the backend at once, per replica (0: unbounded)
 * @param failureMode whether a session opens without the backend
 * @param hideWhenOpen whether the backend's tools leave listings while its circuit is open
 */
public record Resilience(int failureThreshold, Duration openFor, int maxConcurrent, FailureMode failureMode,
        boolean hideWhenOpen) {

    /** What {@code initialize} does when a backend cannot be reached. */
    public enum FailureMode {
        /** The session opens without the backend. */
        FAIL_OPEN,
        /** {@code initialize} fails. */
        FAIL_CLOSED
    }

    /** How long an open circuit waits before a probe when the file does not say. */
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(30);

    /** No circuit breaker, no bound, sessions open without a dead backend. */
    public static final Resilience DEFAULT = new Resilience(0, DEFAULT_OPEN_FOR, 0, FailureMode.FAIL_OPEN, false);

    public Resilience {
        openFor = openFor == null ? DEFAULT_OPEN_FOR : openFor;
        failureMode = failureMode == null ? FailureMode.FAIL_OPEN : failureMode;
    }

    /** Whether calls to the backend pass a circuit breaker or a concurrency bound. */
    public boolean guarded() {
        return failureThreshold > 0 || maxConcurrent > 0;
    }
}
