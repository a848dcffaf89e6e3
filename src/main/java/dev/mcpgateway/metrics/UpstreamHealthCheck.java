package dev.mcpgateway.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness summary of the backends: each one's last known reachability. It never reports DOWN: a
 * dead backend is reported per request to clients, and taking the gateway out of rotation would
 * not bring it back.
 */
@Readiness
@ApplicationScoped
public class UpstreamHealthCheck implements HealthCheck {

    private final GatewayMetrics metrics;

    @Inject
    public UpstreamHealthCheck(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Upstream servers").up();
        metrics.upstreamStatus().forEach((backend, up) -> b.withData(backend, up ? "reachable" : "unreachable"));
        return b.build();
    }
}
