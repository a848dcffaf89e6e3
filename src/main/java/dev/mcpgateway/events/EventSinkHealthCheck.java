package dev.mcpgateway.events;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.mcpgateway.config.GatewayConfig;

/**
 * Readiness entry for the event sink: its state, buffer use and counts. Always UP: the gateway
 * serves its clients whether or not the sink takes events (those it cannot take are counted as
 * dropped), so a Kafka outage must not take replicas out of rotation. The Kafka connector's own
 * checks are off for the events channel for the same reason.
 */
@Readiness
@ApplicationScoped
public class EventSinkHealthCheck implements HealthCheck {

    private final GatewayConfig config;
    private final EventQueue queue;

    @Inject
    public EventSinkHealthCheck(GatewayConfig config, EventQueue queue) {
        this.config = config;
        this.queue = queue;
    }

    @Override
    public HealthCheckResponse call() {
        GatewayConfig.EventSink sink = config.events().sink();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Event sink").up().withData("sink",
                sink.name().toLowerCase());
        if (sink == GatewayConfig.EventSink.NONE) {
            return b.withData("state", "off").build();
        }
        EventQueue.State s = queue.state();
        b.withData("state", s.state()).withData("queued", s.queued()).withData("capacity", s.capacity())
                .withData("in_flight", s.inFlight())
                .withData("delivered", s.delivered()).withData("failed", s.failed())
                .withData("dropped_buffer_full", (long) s.droppedFull());
        if (s.lastFailure() != null) {
            b.withData("last_failure", s.lastFailure());
        }
        return b.build();
    }
}
