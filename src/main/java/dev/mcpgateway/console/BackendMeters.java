package dev.mcpgateway.console;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.mcpgateway.metrics.GatewayMetrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

/**
 * A backend's requests as the gateway's meters ({@code mcp.gateway.upstream.requests}) counted
 * them since the start: count, error rate, and percentiles estimated from the timers' histograms
 * (the upper bound of the bucket the percentile falls in).
 */
@Singleton
class BackendMeters {

    private final GatewayMetrics metrics;

    @Inject
    BackendMeters(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    ObjectNode of(String backend) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        Map<String, Timer> timers = metrics.upstreamTimers(backend);
        long count = 0;
        long failed = 0;
        java.util.TreeMap<Double, Long> buckets = new java.util.TreeMap<>();
        for (Map.Entry<String, Timer> e : timers.entrySet()) {
            HistogramSnapshot snap = e.getValue().takeSnapshot();
            count += snap.count();
            if (!"ok".equals(e.getKey())) {
                failed += snap.count();
            }
            CountAtBucket[] counts = snap.histogramCounts();
            // Counts are cumulative (values at most the bound) in the registries the gateway uses; a
            // non-cumulative histogram is turned into one.
            boolean cumulative = counts.length > 0 && counts[counts.length - 1].count() >= snap.count() * 0.999;
            double running = 0;
            for (CountAtBucket c : counts) {
                running = cumulative ? c.count() : running + c.count();
                buckets.merge(c.bucket(TimeUnit.MILLISECONDS), (long) running, Long::sum);
            }
        }
        o.put("requests", count);
        o.put("errors", failed);
        o.put("errorRate", count == 0 ? 0 : Math.round(failed * 10000.0 / count) / 10000.0);
        o.put("p50Ms", percentile(buckets, count, 0.50));
        o.put("p90Ms", percentile(buckets, count, 0.90));
        o.put("p99Ms", percentile(buckets, count, 0.99));
        return o;
    }

    /** The smallest bucket bound holding at least q of the values (cumulative counts by bound). */
    static double percentile(java.util.TreeMap<Double, Long> cumulative, long count, double q) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * count));
        for (Map.Entry<Double, Long> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                return Math.round(e.getKey() * 1000) / 1000.0;
            }
        }
        return cumulative.isEmpty() ? 0 : Math.round(cumulative.lastKey() * 1000) / 1000.0;
    }
}
