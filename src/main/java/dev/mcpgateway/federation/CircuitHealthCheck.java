package dev.mcpgateway.federation;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The circuit of every backend with a circuit breaker or concurrency bound on this replica, as
 * {@code route/backend: closed|open|half-open}. Always UP: an open circuit is one backend's trouble,
 * answered per call; taking the replica out of rotation would fail every route's other backends.
 */
@Readiness
@ApplicationScoped
public class CircuitHealthCheck implements HealthCheck {

    private final BackendGuards guards;

    @Inject
    CircuitHealthCheck(BackendGuards guards) {
        this.guards = guards;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Backend circuits").up();
        guards.states().forEach(b::withData);
        return b.build();
    }
}
