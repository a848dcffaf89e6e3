package dev.mcpgateway.transport;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.mcpgateway.config.GatewayConfig;
import dev.mcpgateway.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * Opens every event stream toward clients (GET streams, POST response streams, 2026-07-28 call and
 * {@code subscriptions/listen} streams) with one {@link SseWriter}, bounded by
 * {@code mcp-gateway.limits.stream-write-queue}, and counts them.
 */
@ApplicationScoped
public class SseWriters {

    /** Interval of keep-alive comments on an otherwise quiet stream. */
    static final long KEEP_ALIVE_MILLIS = 15_000;

    private final Vertx vertx;
    private final GatewayMetrics metrics;
    private final long maxQueued;
    private final int writeQueueMaxSize;
    private final AtomicLong peakQueued = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();

    @Inject
    public SseWriters(Vertx vertx, GatewayConfig config, GatewayMetrics metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.maxQueued = Math.max(1, config.limits().streamWriteQueue().asLongValue());
        // The connection reports a full queue well before the stream's bound, so that a burst waits
        // here (and is counted) instead of piling up unchecked in the connection.
        this.writeQueueMaxSize = (int) Math.max(4096, Math.min(64 * 1024, maxQueued / 4));
    }

    /** A writer for the response of {@code ctx}; nothing is sent before {@link SseWriter#begin()}. */
    SseWriter open(RoutingContext ctx) {
        return new SseWriter(ctx, vertx, this, maxQueued);
    }

    int writeQueueMaxSize() {
        return writeQueueMaxSize;
    }

    void opened() {
        metrics.streamOpened();
    }

    void closed() {
        metrics.streamClosed();
    }

    void queued(long bytes) {
        peakQueued.accumulateAndGet(bytes, Math::max);
    }

    void overflowed() {
        overflows.incrementAndGet();
    }

    /** The most bytes any one stream has had waiting to be written, since start or {@link #resetStatistics()}. */
    long peakQueuedBytes() {
        return peakQueued.get();
    }

    /** Streams closed because their client read too slowly. */
    long overflows() {
        return overflows.get();
    }

    void resetStatistics() {
        peakQueued.set(0);
        overflows.set(0);
    }
}
